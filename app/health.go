package app

import (
	"context"
	"errors"
	"fmt"
	"time"

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
// the database answers and every migration is applied.
func (a *App) readiness(ctx context.Context) error {
	if err := a.DB.Ping(ctx); err != nil {
		return errors.New("database unreachable")
	}
	n, err := a.DB.PendingMigrations(ctx)
	if err != nil || n > 0 {
		return fmt.Errorf("migrations pending: %d", n)
	}
	return nil
}
