package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Busy reports whether err is the database (or the request's deadline)
// saying "not now" rather than "no": a statement or lock timeout, a query
// cancelled at the deadline, a wait for a pooled connection that outlasted
// it, or a server out of connections. The same request is likely to work in
// a few seconds, so web answers it 503 with Retry-After. reason is a short
// word for logs and /readyz: "lock_timeout", "statement_timeout",
// "deadline" or "too_many_connections".
func Busy(err error) (reason string, ok bool) {
	if err == nil {
		return "", false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "55P03": // lock_not_available: lock_timeout
			return "lock_timeout", true
		case "57014": // query_canceled: statement_timeout (or a cancel at the deadline)
			return "statement_timeout", true
		case "53300": // too_many_connections
			return "too_many_connections", true
		}
		return "", false
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) && !errors.Is(err, context.Canceled) {
		return "deadline", true
	}
	return "", false
}

// Unreachable reports whether err says the database is not there at all: a
// connection refused or broken, or a server shutting down, crashed or still
// starting. Web answers it 503 with Retry-After, as for Busy: the request is
// fine, the database will be back, and a 500 would say the opposite.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
		return false
	}
	var connect *pgconn.ConnectError
	var netErr *net.OpError
	return errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}
