// Package db opens Claro's PostgreSQL connections through Bun: the primary for
// every write and for reads that must see their own writes, and a regional read
// replica for everything else when DATABASE_REPLICA_URL is set.
//
// Two rules hold everywhere, and live here:
//
// One read-pool rule. A store that may read the replica holds d.Reads() (a
// Pool) and picks its pool per request through ReadPool: the replica, unless
// the request carries the read-your-writes mark (WithPrimaryReads, set by
// web.ReadYourWrites while the visitor's last write is not replayed yet).
// Nothing is bound to d.Replica at start-up. What must see its own writes
// (sessions, certificate storage, the webhook path, the library's
// entitlements) holds the primary or a transaction (Fixed).
//
// One cache-invalidation story. Every cache learns of a change only from
// Changes, the listener on CatalogChannel: writes announce themselves in
// their own transaction, a batch is handed on once the replica has it, and a
// request that wrote waits (Sync) until this instance's caches have heard.
// No write path drops a cache itself and no cache expires on a timer.
package db

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// DB is the pair of pools every store is built with. Replica is the primary
// itself when no replica is configured, so callers never branch on it.
type DB struct {
	Primary *bun.DB
	Replica *bun.DB
	// primaryURL opens the migrations' own connection, without Open's
	// timeouts (a migration may rewrite a table for minutes).
	primaryURL string
}

// StatementTimeout and LockTimeout are set on every session Open makes
// (PostgreSQL's statement_timeout and lock_timeout), unless the URL sets
// them itself (?statement_timeout=10s): a query that waits on a lock or
// runs away ends with an error the app answers as 503 "busy", instead of
// holding a pooled connection and its request for as long as it takes.
// Migrations run on a connection of their own without either.
const (
	StatementTimeout = 5 * time.Second
	LockTimeout      = 2 * time.Second
)

// MaxConns is the size of each pool.
const MaxConns = 20

// Open connects to the primary and, when replicaURL is not empty, the replica,
// and pings both so a wrong URL fails start-up rather than the first request.
func Open(ctx context.Context, primaryURL, replicaURL string) (*DB, error) {
	p, err := open(ctx, primaryURL)
	if err != nil {
		return nil, fmt.Errorf("db: primary: %w", err)
	}
	d := &DB{Primary: p, Replica: p, primaryURL: primaryURL}
	if replicaURL != "" {
		r, err := open(ctx, replicaURL)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("db: replica: %w", err)
		}
		d.Replica = r
	}
	return d, nil
}

// open connects with pgx in QueryExecModeExec: Bun interpolates every
// argument into the SQL text itself, so each query is a new text that pgx's
// default mode would prepare (one extra round trip, and a statement cache
// churned by texts that never repeat). Exec mode sends it in one round trip.
// A default_query_exec_mode in the URL still wins.
//
// Every session gets StatementTimeout and LockTimeout unless the URL sets
// them.
func open(ctx context.Context, url string) (*bun.DB, error) {
	return openWith(ctx, url, true)
}

// openWith is open; bounded false leaves the server's own timeouts (none,
// by default) for the migrations' connection.
func openWith(ctx context.Context, url string, bounded bool) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(url, "default_query_exec_mode") {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	if bounded {
		setDefault(cfg.RuntimeParams, "statement_timeout", StatementTimeout)
		setDefault(cfg.RuntimeParams, "lock_timeout", LockTimeout)
	} else {
		delete(cfg.RuntimeParams, "statement_timeout")
		delete(cfg.RuntimeParams, "lock_timeout")
	}
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(MaxConns)
	sqldb.SetMaxIdleConns(MaxConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqldb.PingContext(pctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// setDefault sets a PostgreSQL duration parameter, in milliseconds, unless
// the URL already did.
func setDefault(params map[string]string, name string, d time.Duration) {
	if _, ok := params[name]; !ok {
		params[name] = strconv.FormatInt(d.Milliseconds(), 10)
	}
}

// Close closes both pools.
func (d *DB) Close() error {
	err := d.Primary.Close()
	if d.Replica != d.Primary {
		if rerr := d.Replica.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// Ping checks the primary answers; /readyz uses it.
func (d *DB) Ping(ctx context.Context) error { return d.Primary.PingContext(ctx) }
