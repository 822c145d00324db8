// Package receipts emails the buyer a receipt for every paid order. The
// webhook transaction that marks an order paid writes a receipts_outbox row
// (app/orders), so the receipt is owed exactly when the order is; the Sender
// here claims due rows, renders each order's receipt from the database, sends
// it over SMTP and stamps it sent. A crash between the commit and the email,
// or an SMTP server that is down, only delays the receipt: the row stays due
// and is retried with backoff. Delivery is at least once.
package receipts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// Lease is how long a claimed row is hidden from other senders while it is
// being sent; a sender that dies mid-send leaves it due again after this.
const Lease = 5 * time.Minute

// Sender drains receipts_outbox through a Mailer.
type Sender struct {
	db     *bun.DB
	mailer Mailer
	render *Renderer
	log    *slog.Logger
	wake   chan struct{}
	// Poll is the safety-net interval at which Run looks for due rows without
	// being woken (rows written by another instance, retries). 0 means 10 s.
	Poll time.Duration
}

// NewSender returns a sender over the primary.
func NewSender(primary *bun.DB, mailer Mailer, render *Renderer, log *slog.Logger) *Sender {
	return &Sender{db: primary, mailer: mailer, render: render, log: log, wake: make(chan struct{}, 1)}
}

// Wake asks Run to look for due receipts now; it never blocks. app/orders
// calls it after committing a paid order.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends due receipts until ctx ends: on Wake, and every Poll.
func (s *Sender) Run(ctx context.Context) {
	if !s.runnable(ctx) {
		return
	}
	poll := s.Poll
	if poll <= 0 {
		poll = 10 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.Drain(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("receipts: drain failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// Drain sends every receipt due now and reports how many were sent. A
// receipt that fails is rescheduled with backoff and does not stop the rest.
func (s *Sender) Drain(ctx context.Context) (int, error) {
	if s.mailer == nil {
		return 0, nil
	}
	sent := 0
	for {
		batch, err := s.claim(ctx, 20)
		if err != nil || len(batch) == 0 {
			return sent, err
		}
		for _, r := range batch {
			if err := s.send(ctx, r); err != nil {
				if ctx.Err() != nil {
					return sent, ctx.Err()
				}
				s.log.Warn("receipts: send failed; will retry", "order", r.OrderID, "attempt", r.Attempts, "err", err)
				if ferr := s.fail(ctx, r, err); ferr != nil {
					return sent, ferr
				}
				continue
			}
			sent++
		}
	}
}

// claimed is one leased outbox row.
type claimed struct {
	ID       int64 `bun:"id"`
	OrderID  int64 `bun:"order_id"`
	Attempts int   `bun:"attempts"`
}

// claim leases up to n due rows: other senders skip them until Lease ends.
func (s *Sender) claim(ctx context.Context, n int) ([]claimed, error) {
	var rows []claimed
	err := s.db.NewRaw(`UPDATE receipts_outbox SET attempts = attempts + 1, available_at = now() + make_interval(secs => ?)
		WHERE id IN (SELECT id FROM receipts_outbox WHERE sent_at IS NULL AND available_at <= now()
			ORDER BY available_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING id, order_id, attempts`, Lease.Seconds(), n).Scan(ctx, &rows)
	return rows, err
}

func (s *Sender) send(ctx context.Context, r claimed) error {
	msg, err := s.render.Receipt(ctx, r.OrderID)
	if errors.Is(err, ErrNoRecipient) {
		s.log.Warn("receipts: order has no email address; no receipt sent", "order", r.OrderID)
		return s.done(ctx, r, "no recipient")
	}
	if err != nil {
		return err
	}
	if err := s.mailer.Send(ctx, msg); err != nil {
		return err
	}
	return s.done(ctx, r, "")
}

func (s *Sender) done(ctx context.Context, r claimed, note string) error {
	var last any
	if note != "" {
		last = note
	}
	_, err := s.db.NewRaw(`UPDATE receipts_outbox SET sent_at = now(), last_error = ? WHERE id = ?`, last, r.ID).Exec(ctx)
	return err
}

// maxRetryWait caps the backoff: with the mail server down for an hour, a
// receipt waits at most this long after it comes back (it was an hour,
// so one outage could hold receipts for as long again).
const maxRetryWait = 5 * time.Minute

// retryWait is how long a receipt waits after its attempts-th failure:
// 30 s, 1 min, 2 min, 4 min, then every 5 min.
func retryWait(attempts int) time.Duration {
	return min(30*time.Second<<min(max(attempts-1, 0), 7), maxRetryWait)
}

// fail reschedules a row after retryWait.
func (s *Sender) fail(ctx context.Context, r claimed, cause error) error {
	wait := retryWait(r.Attempts)
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	_, err := s.db.NewRaw(`UPDATE receipts_outbox SET available_at = now() + make_interval(secs => ?), last_error = ? WHERE id = ?`,
		wait.Seconds(), msg, r.ID).Exec(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("receipts: reschedule order %d: %w", r.OrderID, err)
	}
	return nil
}

// ErrNoReceipt is an order that owes no receipt: none such, or not paid.
var ErrNoReceipt = errors.New("receipts: no paid order with that id")

// Resend queues order orderID's receipt again (staff's "resend a receipt"):
// its outbox row is made due now, with its attempts reset, or written if it
// was never there, and the sender is woken. Only a paid order's receipt is
// sent again; any other id is ErrNoReceipt.
func (s *Sender) Resend(ctx context.Context, orderID int64) error {
	res, err := s.db.NewRaw(`INSERT INTO receipts_outbox (order_id)
		SELECT id FROM orders WHERE id = ? AND status = 'paid'
		ON CONFLICT (order_id) DO UPDATE SET sent_at = NULL, attempts = 0, available_at = now(), last_error = NULL`, orderID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoReceipt
	}
	s.Wake()
	return nil
}
