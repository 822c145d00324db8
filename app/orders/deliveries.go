package orders

import (
	"context"
	"log/slog"
	"time"

	"github.com/claro-market/claro/app/batch"
	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
)

// DeliveryRetention is how long webhook_deliveries keeps a delivery; the
// hourly sweep (accounts.Sweep, wired in app.Background) deletes older ones.
const DeliveryRetention = 30 * 24 * time.Hour

// Delivery is one verified webhook delivery and what it came to, as the
// staff console lists it (migration 0031).
type Delivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	ID         int64     `bun:"id,pk,autoincrement"`
	Endpoint   string    `bun:"endpoint"` // platform or connect
	EventID    string    `bun:"event_id"`
	EventType  string    `bun:"event_type"`
	SessionID  *string   `bun:"session_id"` // the Checkout Session of checkout.session.* events
	Account    string    `bun:"account"`
	Outcome    string    `bun:"outcome"` // an Outcome, or OutcomeRetry
	Error      *string   `bun:"error"`   // why it failed (OutcomeRetry), for staff
	ReceivedAt time.Time `bun:"received_at,nullzero,default:now()"`
}

// Deliveries records and lists recent webhook deliveries.
type Deliveries struct {
	db      bun.IDB
	written *batch.Coalescer[*Delivery] // rows recorded together share one INSERT
}

// NewDeliveries returns the deliveries over the primary. Deliveries recorded
// together are written by one multi-row INSERT (app/batch), not
// one INSERT and commit each: on 2 cores, BenchmarkWebhookIngestion measured
// about 750 orders/s with a commit per row, 850 coalesced, 1,200 recording
// nothing. A batch that fails is written row by row, so one bad row never
// drops the others.
func NewDeliveries(primary bun.IDB, log *slog.Logger) *Deliveries {
	return &Deliveries{db: primary, written: batch.New("webhook delivery rows", batchSlots, batchMax,
		func(ctx context.Context, rows []*Delivery) error { return insertDeliveries(ctx, primary, rows) }, log)}
}

// insertDeliveries writes rows in one statement on db (a pool, or the paying
// transaction: see Service.pay).
func insertDeliveries(ctx context.Context, db bun.IDB, rows []*Delivery) error {
	_, err := db.NewInsert().Model(&rows).ExcludeColumn("id", "received_at").Exec(ctx)
	return err
}

// maxDeliveryError bounds the error text a delivery keeps.
const maxDeliveryError = 500

// Record writes one verified delivery to endpoint ep and its outcome (with
// the error that made it a retry).
func (d *Deliveries) Record(ctx context.Context, ep payments.Endpoint, e *payments.Event, outcome string, cause error) error {
	return d.written.Do(ctx, newDelivery(ep, e, outcome, cause))
}

// newDelivery is the row of one verified delivery to ep and its outcome.
func newDelivery(ep payments.Endpoint, e *payments.Event, outcome string, cause error) *Delivery {
	row := &Delivery{Endpoint: endpointName(ep), EventID: e.ID, EventType: e.Type, Account: e.Account, Outcome: outcome}
	if e.Session != nil && e.Session.ID != "" {
		row.SessionID = &e.Session.ID
	}
	if cause != nil {
		msg := cause.Error()
		if len(msg) > maxDeliveryError {
			msg = msg[:maxDeliveryError]
		}
		row.Error = &msg
	}
	return row
}

// Recent lists the newest deliveries, at most limit; a non-empty session
// keeps those of that Checkout Session only.
func (d *Deliveries) Recent(ctx context.Context, session string, limit int) ([]Delivery, error) {
	out := []Delivery{}
	q := d.db.NewSelect().Model(&out).OrderExpr("received_at DESC, id DESC").Limit(limit)
	if session != "" {
		q = q.Where("session_id = ?", session)
	}
	return out, q.Scan(ctx)
}

// Prune deletes the deliveries older than DeliveryRetention.
func (d *Deliveries) Prune(ctx context.Context) (int64, error) {
	res, err := d.db.NewDelete().TableExpr("webhook_deliveries").
		Where("received_at < ?", time.Now().Add(-DeliveryRetention)).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func endpointName(ep payments.Endpoint) string {
	if ep == payments.ConnectEndpoint {
		return "connect"
	}
	return "platform"
}
