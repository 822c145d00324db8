package receipts

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"text/template"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/uptrace/bun"
)

// ErrNoRecipient is an order with no email address to send its receipt to.
var ErrNoRecipient = errors.New("receipts: the order has no email address")

// Message is one email to send.
type Message struct {
	From    string
	To      string
	Subject string
	Text    string
	// ID is the Message-ID's local part: stable per order, so a receipt sent
	// twice (delivery is at least once) is recognisably the same message.
	ID string
}

// Order is what a receipt shows.
type Order struct {
	ID        int64     `bun:"id"`
	Email     string    `bun:"email"`
	Total     int64     `bun:"amount_total_cents"`
	Currency  string    `bun:"currency"`
	PaidAt    time.Time `bun:"paid_at"`
	StoreName string    `bun:"store_name"`
	Guest     bool      `bun:"guest"` // no account holds the order yet
	Lines     []Line    `bun:"-"`
	Library   string    `bun:"-"` // the library's URL
	// ClaimLink, for a guest order, is the single-use link that puts this
	// order in the account of whoever opens it signed in.
	ClaimLink string `bun:"-"`
}

// ClaimLinker makes the link a guest order's receipt carries: single-use,
// bound to that order, opened signed in it attaches the order to the
// account (accounts.Mail is one).
type ClaimLinker interface {
	ClaimLink(ctx context.Context, orderID int64, email string) (string, error)
}

// Line is one line of the order.
type Line struct {
	ProductID int64  `bun:"product_id"`
	Title     string `bun:"title"`
	Unit      int64  `bun:"unit_price_cents"`
	Quantity  int64  `bun:"quantity"`
}

// Subtotal is the line's unit price times its quantity.
func (l Line) Subtotal() int64 { return l.Unit * l.Quantity }

// Renderer reads an order and writes its receipt.
type Renderer struct {
	db      bun.IDB
	from    string
	library string
	claims  ClaimLinker // nil: guest receipts carry no claim link
	tmpl    *template.Template
}

// NewRenderer returns a renderer reading the primary. from is the sender
// address; library is the absolute URL of the buyer's library.
func NewRenderer(primary bun.IDB, from, library string) *Renderer {
	return &Renderer{db: primary, from: from, library: library,
		tmpl: template.Must(template.New("receipt").Funcs(template.FuncMap{"money": catalog.Money}).Parse(receiptText))}
}

// Receipt renders the receipt of order id, to the order's email address, or
// the buyer's account's when the order has none.
func (r *Renderer) Receipt(ctx context.Context, id int64) (Message, error) {
	o := Order{Library: r.library}
	err := r.db.NewRaw(`SELECT o.id, coalesce(nullif(o.email, ''), u.email, '') AS email, o.amount_total_cents, o.currency,
			coalesce(o.paid_at, o.created_at) AS paid_at, t.name AS store_name, o.user_id IS NULL AS guest
		FROM orders o JOIN tenants t ON t.id = o.tenant_id LEFT JOIN users u ON u.id = o.user_id
		WHERE o.id = ?`, id).Scan(ctx, &o)
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, fmt.Errorf("receipts: order %d is gone: %w", id, ErrNoRecipient)
	}
	if err != nil {
		return Message{}, err
	}
	if o.Email == "" {
		return Message{}, ErrNoRecipient
	}
	if err := r.db.NewRaw(`SELECT product_id, title, unit_price_cents, quantity FROM order_items WHERE order_id = ? ORDER BY product_id`,
		id).Scan(ctx, &o.Lines); err != nil {
		return Message{}, err
	}
	if o.Guest && r.claims != nil {
		if o.ClaimLink, err = r.claims.ClaimLink(ctx, o.ID, o.Email); err != nil {
			return Message{}, err
		}
	}
	var body bytes.Buffer
	if err := r.tmpl.Execute(&body, o); err != nil {
		return Message{}, err
	}
	return Message{From: r.from, To: o.Email, Subject: fmt.Sprintf("Your receipt from %s (order #%d)", o.StoreName, o.ID),
		Text: body.String(), ID: fmt.Sprintf("receipt-order-%d", o.ID)}, nil
}

const receiptText = `Thank you for your purchase from {{.StoreName}}.

Order #{{.ID}}, paid {{.PaidAt.UTC.Format "2 January 2006"}}

{{range .Lines}}  {{.Title}}  {{.Quantity}} x {{money .Unit $.Currency}}  {{money .Subtotal $.Currency}}
{{end}}
  Total  {{money .Total .Currency}}

{{if .ClaimLink}}You checked out as a guest. To keep this purchase in a Claro account,
open this link and sign in, or create an account, when asked:
{{.ClaimLink}}

The link works once, for 30 days, and only for this order. Afterwards
your purchases are in your library:
{{.Library}}
{{else}}Your purchases are in your library:
{{.Library}}

Sign in with {{.Email}} to open them.
{{end}}`
