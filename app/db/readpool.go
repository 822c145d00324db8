package db

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"time"

	"github.com/uptrace/bun"
)

type primaryReadsKey struct{}

// WithPrimaryReads marks ctx so that ReadPool answers the primary: the
// request's writer has written something the replica has not replayed yet.
func WithPrimaryReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryReadsKey{}, true)
}

// ReadsPrimary reports whether ctx was marked by WithPrimaryReads.
func ReadsPrimary(ctx context.Context) bool {
	v, _ := ctx.Value(primaryReadsKey{}).(bool)
	return v
}

// ReadPool is the pool a read for this request should use: the regional
// replica, unless the request's writer must see its own recent writes (the
// read-your-writes middleware marks ctx), or there is no replica.
func (d *DB) ReadPool(ctx context.Context) *bun.DB {
	if ReadsPrimary(ctx) {
		return d.Primary
	}
	return d.Replica
}

// Pool is where a store sends its queries, chosen per request: a store that
// may read the replica holds d.Reads() and so honours the read-your-writes
// mark of each request; a store on the primary or inside a transaction holds
// Fixed(h). Binding a store to d.Replica at start-up would serve a writer the
// row they just changed as it was before.
type Pool func(ctx context.Context) bun.IDB

// Fixed is the Pool that always answers h: the primary, or a transaction.
func Fixed(h bun.IDB) Pool { return func(context.Context) bun.IDB { return h } }

// Reads is the Pool of ReadPool: the replica, or the primary for a request
// whose writer has not seen their write replayed yet.
func (d *DB) Reads() Pool { return func(ctx context.Context) bun.IDB { return d.ReadPool(ctx) } }

// HasReplica reports whether reads go to a separate replica at all.
func (d *DB) HasReplica() bool { return d.Replica != d.Primary }

var lsnPattern = regexp.MustCompile(`^[0-9A-F]{1,8}/[0-9A-F]{1,8}$`)

// ValidLSN reports whether s looks like a PostgreSQL WAL position (16/B374D848).
func ValidLSN(s string) bool { return lsnPattern.MatchString(s) }

// CurrentLSN is the primary's WAL position now: every write committed before
// this call is at or before it.
func (d *DB) CurrentLSN(ctx context.Context) (string, error) {
	var lsn string
	err := d.Primary.NewRaw("SELECT pg_current_wal_lsn()::text").Scan(ctx, &lsn)
	return lsn, err
}

// ErrBadLSN is a WAL position that is not one (a tampered cookie).
var ErrBadLSN = errors.New("db: not a WAL position")

// ReplicaHasReplayed reports whether the replica has replayed the WAL up to
// lsn, so a read there sees every write committed before it. Without a
// replica it is true.
func (d *DB) ReplicaHasReplayed(ctx context.Context, lsn string) (bool, error) {
	if !ValidLSN(lsn) {
		return false, ErrBadLSN
	}
	if !d.HasReplica() {
		return true, nil
	}
	var ok sql.NullBool
	// pg_last_wal_replay_lsn() is NULL on a server that is not a standby:
	// then the "replica" is a primary and has everything.
	err := d.Replica.NewRaw("SELECT coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, true)", lsn).Scan(ctx, &ok)
	return ok.Valid && ok.Bool, err
}

// WaitReplayed polls ReplicaHasReplayed every poll until it is true or wait
// has passed (sleep is time.Sleep-like; tests pass one that never sleeps). It
// reports whether the replica caught up.
func (d *DB) WaitReplayed(ctx context.Context, lsn string, wait, poll time.Duration, sleep func(context.Context, time.Duration) error) (bool, error) {
	for waited := time.Duration(0); ; waited += poll {
		ok, err := d.ReplicaHasReplayed(ctx, lsn)
		if err != nil || ok || waited >= wait || poll <= 0 {
			return ok, err
		}
		if err := sleep(ctx, poll); err != nil {
			return false, err
		}
	}
}

// Sleep waits d or until ctx ends; the default sleep of WaitReplayed.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
