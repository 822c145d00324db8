package hooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Overlap is how long a rotated-out secret still signs deliveries, next to
// the new one: the time a creator has to deploy the new secret.
const Overlap = 24 * time.Hour

// MaxEndpoints is how many endpoints a store may have.
const MaxEndpoints = 10

// Endpoint is one of a store's endpoints as its dashboard shows it.
type Endpoint struct {
	ID            int64      `bun:"id"`
	URL           string     `bun:"url"`
	Events        []string   `bun:"events,array"`
	Generation    int        `bun:"generation"`
	PreviousUntil *time.Time `bun:"previous_until"`
	DisabledAt    *time.Time `bun:"disabled_at"`
	CreatedAt     time.Time  `bun:"created_at"`
	Secret        string     `bun:"-"` // the current secret
	Previous      string     `bun:"-"` // the previous one, while it still signs
}

// Delivery is one delivery in a store's log.
type Delivery struct {
	ID          int64      `bun:"id"`
	EndpointID  int64      `bun:"endpoint_id"`
	URL         string     `bun:"url"`
	EventID     string     `bun:"public_id"`
	Type        string     `bun:"type"`
	Status      string     `bun:"status"`
	Attempts    int        `bun:"attempts"`
	NextAt      time.Time  `bun:"next_attempt_at"`
	LastError   string     `bun:"last_error"`
	DeliveredAt *time.Time `bun:"delivered_at"`
	CreatedAt   time.Time  `bun:"created_at"`
	LastCode    int        `bun:"last_code"`
	LastMS      int        `bun:"last_ms"`
	Body        string     `bun:"body"` // the request's body (Detail only)
	Tries       []Attempt  `bun:"-"`    // Detail only, oldest first
}

// Attempt is one attempt of a delivery.
type Attempt struct {
	StartedAt  time.Time `bun:"started_at"`
	DurationMS int       `bun:"duration_ms"`
	Signature  string    `bun:"signature"`
	StatusCode int       `bun:"status_code"`
	Response   string    `bun:"response"`
	Error      string    `bun:"error"`
}

// Creator is a store's side of its webhooks. Every method takes the
// store's id and reads or writes that store's rows only; the dashboard
// runs it inside the store's db.InTenant transaction, under row-level
// security. Another store's id is web.ErrNotFound.
type Creator struct {
	q     bun.IDB
	hooks *Hooks
}

// Creator returns the store side over q (the tenant's tx).
func (h *Hooks) Creator(q bun.IDB) *Creator { return &Creator{q: q, hooks: h} }

// Endpoints lists the store's endpoints, oldest first, with their secrets.
func (c *Creator) Endpoints(ctx context.Context, tenantID int64) ([]Endpoint, error) {
	es := []Endpoint{}
	if err := c.q.NewRaw(`SELECT id, url, events, generation, previous_until, disabled_at, created_at
		FROM hook_endpoints WHERE tenant_id = ? ORDER BY id`, tenantID).Scan(ctx, &es); err != nil {
		return nil, err
	}
	for i := range es {
		e := &es[i]
		e.Secret = c.hooks.Secret(e.ID, e.Generation)
		if e.PreviousUntil != nil && e.PreviousUntil.After(time.Now()) && e.Generation > 1 {
			e.Previous = c.hooks.Secret(e.ID, e.Generation-1)
		}
	}
	return es, nil
}

// CheckEvents validates a chosen list of events.
func CheckEvents(events []string) ([]string, error) {
	out := []string{}
	for _, e := range events {
		if !Known(e) {
			return nil, web.Refuse(422, "Choose events from the list.")
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, web.Refuse(422, "Choose at least one event to send.")
	}
	return out, nil
}

// ErrTooMany is a store at MaxEndpoints.
var ErrTooMany = web.Refuse(422, "A store may have at most 10 endpoints; delete one first.")

// Add saves a new endpoint (rawURL checked by CheckURL with production)
// and returns it with its secret.
func (c *Creator) Add(ctx context.Context, tenantID int64, rawURL string, events []string, production bool) (Endpoint, error) {
	u, err := CheckURL(rawURL, production)
	if err != nil {
		return Endpoint{}, err
	}
	if events, err = CheckEvents(events); err != nil {
		return Endpoint{}, err
	}
	// The store's row, locked, counts its endpoints once at a time.
	if _, err := c.q.NewRaw(`SELECT id FROM tenants WHERE id = ? FOR UPDATE`, tenantID).Exec(ctx); err != nil {
		return Endpoint{}, err
	}
	var n int
	if err := c.q.NewRaw(`SELECT count(*) FROM hook_endpoints WHERE tenant_id = ?`, tenantID).Scan(ctx, &n); err != nil {
		return Endpoint{}, err
	}
	if n >= MaxEndpoints {
		return Endpoint{}, ErrTooMany
	}
	e := Endpoint{URL: u.String(), Events: events, Generation: 1}
	if err := c.q.NewRaw(`INSERT INTO hook_endpoints (tenant_id, url, events) VALUES (?, ?, ?) RETURNING id, created_at`,
		tenantID, e.URL, pgdialect.Array(events)).Scan(ctx, &e.ID, &e.CreatedAt); err != nil {
		return Endpoint{}, err
	}
	e.Secret = c.hooks.Secret(e.ID, 1)
	return e, nil
}

// lock reads and locks one of the store's endpoints.
func (c *Creator) lock(ctx context.Context, tenantID, id int64) error {
	var got int64
	err := c.q.NewRaw(`SELECT id FROM hook_endpoints WHERE tenant_id = ? AND id = ? FOR UPDATE`, tenantID, id).Scan(ctx, &got)
	if errors.Is(err, sql.ErrNoRows) {
		return web.ErrNotFound
	}
	return err
}

// Rotate gives the endpoint a new secret; the one it had keeps signing
// next to it for Overlap, so a receiver that verifies either accepts every
// delivery while the new secret is deployed.
func (c *Creator) Rotate(ctx context.Context, tenantID, id int64) error {
	if err := c.lock(ctx, tenantID, id); err != nil {
		return err
	}
	_, err := c.q.NewRaw(`UPDATE hook_endpoints SET generation = generation + 1, previous_until = now() + make_interval(secs => ?)
		WHERE tenant_id = ? AND id = ?`, Overlap.Seconds(), tenantID, id).Exec(ctx)
	return err
}

// SetDisabled disables the endpoint (no new deliveries are owed to it; those
// pending fail when due) or enables it again.
func (c *Creator) SetDisabled(ctx context.Context, tenantID, id int64, disabled bool) error {
	if err := c.lock(ctx, tenantID, id); err != nil {
		return err
	}
	q := `UPDATE hook_endpoints SET disabled_at = coalesce(disabled_at, now()) WHERE tenant_id = ? AND id = ?`
	if !disabled {
		q = `UPDATE hook_endpoints SET disabled_at = NULL WHERE tenant_id = ? AND id = ?`
	}
	_, err := c.q.NewRaw(q, tenantID, id).Exec(ctx)
	return err
}

// Delete deletes the endpoint with its deliveries and their log.
func (c *Creator) Delete(ctx context.Context, tenantID, id int64) error {
	if err := c.lock(ctx, tenantID, id); err != nil {
		return err
	}
	_, err := c.q.NewRaw(`DELETE FROM hook_endpoints WHERE tenant_id = ? AND id = ?`, tenantID, id).Exec(ctx)
	return err
}

// ErrDisabled is a test event to a disabled endpoint.
var ErrDisabled = web.Refuse(422, "This endpoint is disabled; enable it to send it anything.")

// SendTest owes the endpoint a test event, whatever it subscribes to.
func (c *Creator) SendTest(ctx context.Context, tenantID, id int64) error {
	var disabled sql.NullTime
	err := c.q.NewRaw(`SELECT disabled_at FROM hook_endpoints WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(ctx, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return web.ErrNotFound
	}
	if err != nil {
		return err
	}
	if disabled.Valid {
		return ErrDisabled
	}
	_, err = c.q.NewRaw(`SELECT claro_hook_enqueue(?, ?, jsonb_build_object('message', 'A test event from the Claro dashboard.'), ?)`,
		tenantID, Test, id).Exec(ctx)
	return err
}

// Redeliver makes one of the store's deliveries due now, with a new round
// of retries, whatever it came to before.
func (c *Creator) Redeliver(ctx context.Context, tenantID, id int64) error {
	res, err := c.q.NewRaw(`UPDATE hook_deliveries SET status = 'pending', next_attempt_at = now(), since = now(), last_error = NULL
		WHERE tenant_id = ? AND id = ?`, tenantID, id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return web.ErrNotFound
	}
	_, err = c.q.NewRaw(`SELECT pg_notify(?, '')`, notifyChannel).Exec(ctx)
	return err
}

const deliveriesSQL = `SELECT d.id, d.endpoint_id, e.url, ev.public_id, ev.type, d.status, d.attempts, d.next_attempt_at,
		coalesce(d.last_error, '') AS last_error, d.delivered_at, d.created_at,
		coalesce(a.status_code, 0) AS last_code, coalesce(a.duration_ms, 0) AS last_ms%s
	FROM hook_deliveries d JOIN hook_endpoints e ON e.id = d.endpoint_id JOIN hook_events ev ON ev.id = d.event_id
	LEFT JOIN LATERAL (SELECT status_code, duration_ms FROM hook_attempts WHERE delivery_id = d.id ORDER BY id DESC LIMIT 1) a ON true
	WHERE d.tenant_id = ?`

// Recent lists the store's newest deliveries, at most limit.
func (c *Creator) Recent(ctx context.Context, tenantID int64, limit int) ([]Delivery, error) {
	ds := []Delivery{}
	err := c.q.NewRaw(fmt.Sprintf(deliveriesSQL, "")+` ORDER BY d.id DESC LIMIT ?`, tenantID, limit).Scan(ctx, &ds)
	return ds, err
}

// Detail is one of the store's deliveries with its request body and every
// attempt.
func (c *Creator) Detail(ctx context.Context, tenantID, id int64) (Delivery, error) {
	var d Delivery
	err := c.q.NewRaw(fmt.Sprintf(deliveriesSQL, ", ev.body")+` AND d.id = ?`, tenantID, id).Scan(ctx, &d)
	if errors.Is(err, sql.ErrNoRows) {
		return d, web.ErrNotFound
	}
	if err != nil {
		return d, err
	}
	d.Tries = []Attempt{}
	err = c.q.NewRaw(`SELECT started_at, duration_ms, signature, coalesce(status_code, 0) AS status_code, response,
		coalesce(error, '') AS error FROM hook_attempts WHERE tenant_id = ? AND delivery_id = ? ORDER BY id`, tenantID, id).Scan(ctx, &d.Tries)
	return d, err
}

// Retention is how long events and their delivery logs are kept.
const Retention = 30 * 24 * time.Hour

// Prune deletes the events older than Retention, with their deliveries and
// attempts, unless one of the deliveries is still pending (redelivered
// lately); the accounts sweeper runs it hourly.
func (h *Hooks) Prune(ctx context.Context) (int64, error) {
	res, err := h.db.NewRaw(`DELETE FROM hook_events ev WHERE ev.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM hook_deliveries d WHERE d.event_id = ev.id AND d.status = 'pending')`,
		time.Now().Add(-Retention)).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
