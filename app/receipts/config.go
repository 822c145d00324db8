package receipts

import (
	"context"
	"log/slog"
	"time"

	"github.com/claro-market/claro/app/config"
	"github.com/uptrace/bun"
)

// Options are what the app hands the sender besides the settings.
type Options struct {
	// Box, outside production, keeps a copy of every receipt sent (what
	// `claro dev` shows on /dev/mail).
	Box *Mailbox
	// Claims makes the claim link a guest order's receipt carries.
	Claims ClaimLinker
}

// New builds the sender from the settings alone (see NewWith).
func New(cfg config.Config, primary *bun.DB, log *slog.Logger) (*Sender, error) {
	return NewWith(cfg, primary, log, Options{})
}

// NewWith builds the sender from the settings: SMTP through SMTP_URL;
// without one, development and tests log receipts instead, and production
// sends nothing (the receipts wait in receipts_outbox until SMTP_URL is
// set). An SMTP_URL that does not parse fails start-up.
func NewWith(cfg config.Config, primary *bun.DB, log *slog.Logger, o Options) (*Sender, error) {
	from := "Claro <receipts@" + cfg.RootHost() + ">"
	render := NewRenderer(primary, from, cfg.Scheme()+"://"+cfg.RootDomain+"/library")
	render.claims = o.Claims
	var mailer Mailer
	if cfg.SMTPURL != "" || !cfg.IsProduction() {
		m, err := Transport(cfg, from, log, o.Box)
		if err != nil {
			return nil, err
		}
		mailer = m
	}
	return NewSender(primary, mailer, render, log), nil
}

// Enabled reports whether Run sends anything: false in production without
// SMTP_URL.
func (s *Sender) Enabled() bool { return s.mailer != nil }

// Backlog is how many receipts are owed and not yet sent (due now or waiting
// for a retry) and how long the oldest has been owed (for the metrics).
func (s *Sender) Backlog(ctx context.Context) (pending int, oldest time.Duration, err error) {
	var r struct {
		N      int     `bun:"n"`
		Oldest float64 `bun:"oldest"`
	}
	err = s.db.NewRaw(`SELECT count(*) AS n,
		COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest
		FROM receipts_outbox WHERE sent_at IS NULL`).Scan(ctx, &r)
	return r.N, time.Duration(r.Oldest * float64(time.Second)), err
}

// runnable guards Run: without a mailer the rows wait, and that is said once.
func (s *Sender) runnable(ctx context.Context) bool {
	if s.mailer != nil {
		return true
	}
	var waiting int
	_ = s.db.NewRaw(`SELECT count(*) FROM receipts_outbox WHERE sent_at IS NULL`).Scan(ctx, &waiting)
	s.log.Warn("receipts: SMTP_URL is not set; receipts wait in receipts_outbox until it is", "waiting", waiting)
	return false
}
