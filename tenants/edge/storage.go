// Package edge terminates TLS for Claro's hosts: CertMagic configured from the
// settings, with on-demand issuance gated by tenants.Policy and throttled,
// certificates kept in PostgreSQL so every machine in every region shares them,
// the HTTP listener that answers ACME challenges and redirects to HTTPS, and
// the ask endpoint Caddy uses when it terminates TLS instead.
package edge

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/caddyserver/certmagic"
)

// Storage is a certmagic.Storage on PostgreSQL (table certmagic_data). It must
// be built on the primary: CertMagic reads back what it has just written, and
// its locks must be the ones every other machine sees. Locks are session
// advisory locks, each held on its own connection, so a crashed holder's lock
// goes away with its connection.
type Storage struct {
	db *sql.DB

	mu   sync.Mutex
	held map[string]*sql.Conn
}

var (
	_ certmagic.Storage   = (*Storage)(nil)
	_ certmagic.TryLocker = (*Storage)(nil)
)

// NewStorage returns the storage over the primary pool (database.Primary.DB).
func NewStorage(primary *sql.DB) *Storage {
	return &Storage{db: primary, held: make(map[string]*sql.Conn)}
}

// Store puts value at key, replacing any value already there, atomically.
func (s *Storage) Store(ctx context.Context, key string, value []byte) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return fmt.Errorf("certmagic storage: invalid key %q", key)
	}
	if value == nil {
		value = []byte{}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO certmagic_data (key, value, modified) VALUES ($1, $2, now())
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, modified = EXCLUDED.modified`, key, value)
	return err
}

// Load returns the value at key, or an error wrapping fs.ErrNotExist.
func (s *Storage) Load(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, "SELECT value FROM certmagic_data WHERE key = $1", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notExist(key)
	}
	return v, err
}

// under is the condition "key is dir/… or dir itself"; with the C collation,
// the keys under dir are exactly those from "dir/" up to (excluding) "dir0".
const under = `(key = $1 OR (key >= $1 || '/' AND key < $1 || '0') OR $1 = '')`

// Delete removes key and, when key is a directory, everything under it. A
// missing key is not an error.
func (s *Storage) Delete(ctx context.Context, key string) error {
	if key == "" {
		return errors.New("certmagic storage: refusing to delete the empty key (everything)")
	}
	_, err := s.db.ExecContext(ctx, "DELETE FROM certmagic_data WHERE "+under, key)
	return err
}

// Exists reports whether key is a file or a directory holding files.
func (s *Storage) Exists(ctx context.Context, key string) bool {
	var ok bool
	err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM certmagic_data WHERE "+under+")", key).Scan(&ok)
	return err == nil && ok
}

// Stat describes key: a file with its size and time, or a directory.
func (s *Storage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	info := certmagic.KeyInfo{Key: key}
	err := s.db.QueryRowContext(ctx, "SELECT octet_length(value), modified FROM certmagic_data WHERE key = $1", key).
		Scan(&info.Size, &info.Modified)
	switch {
	case err == nil:
		info.IsTerminal = true
		return info, nil
	case !errors.Is(err, sql.ErrNoRows):
		return info, err
	case s.Exists(ctx, key):
		return info, nil
	}
	return info, notExist(key)
}

// List returns the keys directly under dir, or, when recursive, every file
// and directory below it, sorted. A directory with nothing in it does not
// exist: the error wraps fs.ErrNotExist.
func (s *Storage) List(ctx context.Context, dir string, recursive bool) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key FROM certmagic_data
		WHERE (key >= $1 || '/' AND key < $1 || '0') OR $1 = '' ORDER BY key`, dir)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := make(map[string]bool)
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, err
		}
		rel := key
		if dir != "" {
			rel = strings.TrimPrefix(key, dir+"/")
		}
		parts := strings.Split(rel, "/")
		if !recursive {
			parts = parts[:1]
		}
		for i := range parts {
			seen[path.Join(dir, strings.Join(parts[:i+1], "/"))] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(seen) == 0 {
		return nil, notExist(dir)
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

func notExist(key string) error { return fmt.Errorf("certmagic storage: %q: %w", key, fs.ErrNotExist) }

// String names the storage in CertMagic's logs.
func (s *Storage) String() string { return "PostgreSQL certmagic_data" }
