package edge

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

// lockStatementTimeout bounds each statement the locker sends, whatever the
// caller's context: acquiring a free lock must work even with a context that
// is already cancelled (CertMagic's own storage tests ask for that), and a
// lock must be released even when the caller has given up.
const lockStatementTimeout = 10 * time.Second

// maxLockPoll is the longest wait between two attempts at a taken lock.
const maxLockPoll = time.Second

// Lock takes the named lock, blocking until it is free or ctx ends. The lock
// is a PostgreSQL session advisory lock held on a connection of its own until
// Unlock; if this process dies, PostgreSQL drops the connection and the lock
// with it (TCP keepalives on the connection bound how long a vanished machine
// can hold it).
func (s *Storage) Lock(ctx context.Context, name string) error {
	conn, err := s.lockConn(ctx)
	if err != nil {
		return fmt.Errorf("certmagic lock %q: %w", name, err)
	}
	for wait := 25 * time.Millisecond; ; wait = min(2*wait, maxLockPoll) {
		ok, err := tryLock(conn, name)
		if err != nil {
			discard(conn)
			return fmt.Errorf("certmagic lock %q: %w", name, err)
		}
		if ok {
			s.mu.Lock()
			s.held[name] = conn
			s.mu.Unlock()
			return nil
		}
		select {
		case <-ctx.Done():
			_ = conn.Close()
			return fmt.Errorf("certmagic lock %q: %w", name, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// TryLock takes the named lock if it is free and reports whether it did;
// CertMagic uses it where a taken lock means the work is being done already
// (ARI updates), so no connection is held by a waiter there.
func (s *Storage) TryLock(ctx context.Context, name string) (bool, error) {
	conn, err := s.lockConn(ctx)
	if err != nil {
		return false, fmt.Errorf("certmagic trylock %q: %w", name, err)
	}
	ok, err := tryLock(conn, name)
	switch {
	case err != nil:
		discard(conn)
		return false, fmt.Errorf("certmagic trylock %q: %w", name, err)
	case !ok:
		_ = conn.Close()
		return false, nil
	}
	s.mu.Lock()
	s.held[name] = conn
	s.mu.Unlock()
	return true, nil
}

// Unlock releases a lock this process took with Lock or TryLock.
func (s *Storage) Unlock(ctx context.Context, name string) error {
	s.mu.Lock()
	conn, ok := s.held[name]
	delete(s.held, name)
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("certmagic unlock %q: not locked by this process", name)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockStatementTimeout)
	defer cancel()
	var released bool
	err := conn.QueryRowContext(cctx, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", lockKey(name)).Scan(&released)
	if err != nil || !released {
		// Never hand a connection that may still hold the lock back to the pool.
		discard(conn)
		if err == nil {
			err = errors.New("the lock was not held")
		}
		return fmt.Errorf("certmagic unlock %q: %w", name, err)
	}
	return conn.Close()
}

// lockConn is a connection of its own for a session advisory lock, with
// keepalives set.
func (s *Storage) lockConn(ctx context.Context) (*sql.Conn, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockStatementTimeout)
	conn, err := s.db.Conn(cctx)
	cancel()
	if err != nil {
		return nil, err
	}
	if err := keepalive(conn); err != nil {
		discard(conn)
		return nil, err
	}
	return conn, nil
}

func tryLock(conn *sql.Conn, name string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), lockStatementTimeout)
	defer cancel()
	var ok bool
	err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", lockKey(name)).Scan(&ok)
	return ok, err
}

// lockKey namespaces certmagic's lock names among the app's advisory locks.
func lockKey(name string) string { return "claro/certmagic/" + name }

// keepalive makes PostgreSQL notice within about half a minute that the
// machine holding this connection's lock has vanished, rather than after the
// operating system's default of two hours.
func keepalive(conn *sql.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), lockStatementTimeout)
	defer cancel()
	_, err := conn.ExecContext(ctx, `SELECT set_config('tcp_keepalives_idle', '10', false),
		set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false),
		set_config('tcp_user_timeout', '30000', false)`)
	return err
}

// discard closes the connection for good instead of returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
