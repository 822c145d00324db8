// Package hooks delivers a store's signed outbound webhooks. Events are
// written to a transactional outbox (hook_events, hook_deliveries) by
// claro_hook_enqueue inside the transaction of what caused them: the paid
// order's (Sale, an orders.PaidStep), the refund's or dispute's (Adjusted,
// an orders.AdjustStep), and by triggers in any license activation's or
// deactivation's and any product update's, whoever writes them. The Worker claims due
// deliveries with FOR UPDATE SKIP LOCKED, POSTs them signed
// (Claro-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.body">), and retries
// timeouts, connection errors, 5xx, 408 and 429 with jittered exponential
// backoff for about a day. In production it never dials a private, loopback
// or link-local address (guard.go). Delivery is at least once: receivers
// deduplicate on the event id (docs/webhooks.md).
package hooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/orders"
	"github.com/uptrace/bun"
)

// The events an endpoint may subscribe to.
const (
	Sale               = "sale"
	Refund             = "refund"
	Dispute            = "dispute"
	LicenseActivated   = "license.activated"
	LicenseDeactivated = "license.deactivated"
	ProductUpdated     = "product.updated"
	// Test is the dashboard's "Send test event", to one endpoint only.
	Test = "test"
)

// Events lists the subscribable events in the order the dashboard shows them.
var Events = []EventInfo{
	{Sale, "Sale", "An order is paid."},
	{Refund, "Refund", "An order is refunded, in part or in full."},
	{Dispute, "Dispute", "A buyer disputes a payment with their bank."},
	{LicenseActivated, "License activated", "A license key is activated on a new instance."},
	{LicenseDeactivated, "License deactivated", "An instance's activation is freed."},
	{ProductUpdated, "Product updated", "A product's details, price, visibility or files change."},
}

// EventInfo names one subscribable event.
type EventInfo struct {
	Type, Label, About string
}

// Known reports whether typ is a subscribable event.
func Known(typ string) bool {
	for _, e := range Events {
		if e.Type == typ {
			return true
		}
	}
	return false
}

// Hooks is the outbound webhooks' core: the outbox writers and the
// endpoints' secrets.
type Hooks struct {
	db  *bun.DB
	key []byte
}

// New returns the hooks over the primary, with endpoint secrets derived
// under secret (the application secret, under a label of its own).
func New(primary *bun.DB, secret []byte) *Hooks {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("claro webhook secrets v1"))
	return &Hooks{db: primary, key: m.Sum(nil)}
}

// Secret is endpoint's signing secret of generation gen. It is derived,
// never stored: HMAC-SHA256 under the hooks' key of "id:gen". A database
// copy holds no secret, the dashboard can show it again at any time, and
// rotation is one counter (the previous generation is derived the same
// way). Changing SESSION_SECRET changes every endpoint's secret
// (docs/webhooks.md says so).
func (h *Hooks) Secret(endpoint int64, gen int) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(strconv.FormatInt(endpoint, 10) + ":" + strconv.Itoa(gen)))
	return "whsec_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// wanted is the filter every step's statement carries, so a batch of
// stores without endpoints costs one indexed read.
const wanted = `EXISTS (SELECT 1 FROM hook_endpoints e WHERE e.tenant_id = o.tenant_id AND e.disabled_at IS NULL AND $2 = ANY (e.events))`

// Sale is the orders.PaidStep that owes a sale event for each order the
// transaction paid, in that transaction: one statement.
func (h *Hooks) Sale(ctx context.Context, tx bun.Tx, paid []int64) error {
	_, err := tx.Tx.ExecContext(ctx, `SELECT claro_hook_enqueue(o.tenant_id, $2, jsonb_build_object('order', claro_hook_order(o.id)))
		FROM orders o WHERE o.id = ANY ($1::bigint[]) AND `+wanted, db.Prepared(paid, Sale)...)
	return err
}

// Adjusted is the orders.AdjustStep that owes a refund or dispute event
// for the order just adjusted, in the adjustment's transaction. revoked
// says whether the buyer lost access (a full refund or a dispute).
func (h *Hooks) Adjusted(ctx context.Context, tx bun.Tx, a orders.Adjusted) error {
	typ := Refund
	if a.Kind == "dispute" {
		typ = Dispute
	}
	_, err := tx.Tx.ExecContext(ctx, `SELECT claro_hook_enqueue(o.tenant_id, $2,
			jsonb_build_object('order', claro_hook_order(o.id), 'revoked', $3::boolean))
		FROM orders o WHERE o.id = $1 AND `+wanted, db.Prepared(a.Order, typ, a.Revoked)...)
	return err
}
