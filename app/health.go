package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/gofiber/fiber/v2"
)

// live answers /healthz: the process is up and serving. It touches nothing
// else, so a slow database never gets a healthy machine restarted.
func live(c *fiber.Ctx) error { return c.SendString("ok") }

// ready answers /readyz: 503 until the database answers and every migration
// is applied, so no traffic reaches an instance that cannot serve it. The
// search outbox and the sales ledger's backlogs are reported, not fatal: both
// catch up on their own.
func (a *App) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := a.readiness(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString(err.Error())
	}
	if lag, err := a.Worker.Lag(ctx); err == nil {
		msg := "ready\nsearch outbox: " + lag.String()
		if n, err := a.Sales.Pending(ctx); err == nil {
			msg += fmt.Sprintf("\nsales ledger: %d waiting", n)
		}
		return c.SendString(msg)
	}
	return c.SendString("ready")
}

// readiness is the check /readyz answers and claro_ready reports: nil when
// the database answers and every migration is applied. Its error says which
// of three things is wrong, since each calls for something different: every
// pooled connection is in use (the database is up; requests wait on it, a
// lock, say), the database answers too slowly (a check query timed out), or
// it does not answer at all.
func (a *App) readiness(ctx context.Context) error {
	if err := a.DB.Ping(ctx); err != nil {
		return a.dbProblem("ping", err)
	}
	n, err := a.DB.PendingMigrations(ctx)
	if err != nil {
		return a.dbProblem("migration check", err)
	}
	if n > 0 {
		return fmt.Errorf("migrations pending: %d", n)
	}
	return nil
}

// dbProblem names what a failed check (what) says about the primary: busy
// (its pool exhausted), slow (a timeout), or unreachable.
func (a *App) dbProblem(what string, err error) error {
	st := a.DB.Primary.Stats()
	reason, busy := db.Busy(err)
	switch {
	case busy && st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections:
		return fmt.Errorf("database busy: all %d connections in use (%s waited in vain); the database is up", st.InUse, what)
	case busy && reason != "deadline":
		return fmt.Errorf("database slow: %s ended by %s; the database is up", what, reason)
	case busy:
		return fmt.Errorf("database slow: no answer to the %s in time", what)
	default:
		return errors.New("database unreachable")
	}
}
