package cart

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"

	"github.com/claro-market/claro/app/batch"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/discounts"
	"github.com/claro-market/claro/tenants"
	"github.com/uptrace/bun"
)

// Line is a cart item priced from the database just now.
type Line struct {
	ProductID      int64   `bun:"id"`
	Slug           string  `bun:"slug"`
	Title          string  `bun:"title"`
	UnitPriceCents int64   `bun:"price_cents"`
	Currency       string  `bun:"currency"`
	CoverKey       *string `bun:"cover_key"`
	// PWYW: the buyer chooses the price, from MinCents up to MaxCents;
	// SuggestedCents is the product's price. UnitPriceCents is the amount
	// chosen (Chosen), else the suggested price.
	PWYW           bool  `bun:"pwyw"`
	MinCents       int64 `bun:"pwyw_min_cents"`
	SuggestedCents int64 `bun:"-"`
	Chosen         bool  `bun:"-"`
	Quantity       int   `bun:"-"`
	// AmountProblem says why the chosen amount cannot be charged (the
	// product's minimum went up since it was chosen, say); "" when it can.
	AmountProblem string `bun:"-"`
	// DiscountCents is what the cart's discount code takes off this line.
	DiscountCents int64 `bun:"-"`
}

// SubtotalCents is the line's price times its quantity, before any discount.
func (l Line) SubtotalCents() int64 { return l.UnitPriceCents * int64(l.Quantity) }

// ChargeCents is what the line costs after its discount.
func (l Line) ChargeCents() int64 { return l.SubtotalCents() - l.DiscountCents }

// MaxCents is the most a buyer may pay for a pay-what-you-want product.
func (l Line) MaxCents() int64 { return PWYWMax(l.SuggestedCents) }

// PWYWMax is the most a buyer may choose to pay for a product suggesting
// suggested: a hundred times the suggestion, but at least 100.00 and at most
// 10,000.00 in the product's currency, so a slip of the finger (an extra
// three zeros) is refused rather than charged.
func PWYWMax(suggested int64) int64 { return min(max(100*suggested, 10_000), 1_000_000) }

// CheckAmount says why cents cannot be paid for a pay-what-you-want product
// with minimum minCents and suggested price suggested ("" when it can).
func CheckAmount(cents, minCents, suggested int64, currency string) string {
	switch {
	case cents < minCents:
		return "The minimum is " + catalog.Money(minCents, currency) + "."
	case cents > PWYWMax(suggested):
		return "The most you can pay is " + catalog.Money(PWYWMax(suggested), currency) + "."
	}
	return ""
}

// Priced is a cart re-priced from the database: the lines still for sale in
// this store, the ids that are not (drafts, deleted, another store's, unknown),
// and the total.
type Priced struct {
	Lines       []Line
	Unavailable []int64
	TotalCents  int64 // what is charged: the subtotal less the discount
	Currency    string
	// SubtotalCents is the lines' prices before the discount.
	SubtotalCents int64
	// Code is the discount code applied (DiscountCents off in all), "" for
	// none; CodeProblem says why the cart's code does not apply.
	Code          string
	CodeOff       string // "20% off", for the cart's line
	DiscountCents int64
	CodeProblem   string
	// MixedCurrency is a cart whose products are priced in different
	// currencies, which one Checkout Session cannot charge.
	MixedCurrency bool
}

// Count is the number of things priced.
func (p *Priced) Count() int {
	n := 0
	for _, l := range p.Lines {
		n += l.Quantity
	}
	return n
}

// Store prices carts.
type Store struct {
	pool db.Pool
	// batches, with WithBatching, price the one-product look-ups of cart
	// adds arriving together in one statement, one coalescer per pool.
	log     *slog.Logger
	mu      sync.Mutex
	batches map[*bun.DB]*batch.Coalescer[*lookup]
}

// WithBatching has look-ups of one product (a cart add) that arrive
// together share one statement: under load, PostgreSQL's cost per
// statement, not the index look-up, was most of a cart add's. A failed
// batch is logged to log and each look-up runs alone.
func (s *Store) WithBatching(log *slog.Logger) *Store {
	s.log, s.batches = log, map[*bun.DB]*batch.Coalescer[*lookup]{}
	return s
}

// lookup is one product a cart add prices, within its store: line when
// found (for sale there).
type lookup struct {
	tenantID, productID int64
	line                Line
	found               bool
}

// Batches of look-ups: as many in flight as the paid-order writer's (two,
// on 2 cores), up to 64 each (a make bench run keeps 64 adds in flight).
const (
	lookupSlots = 2
	lookupMax   = 64
)

// priceLookupsSQL prices many one-product look-ups, each within its own
// store, by the same rule as priceSQL; k.i is the look-up's place.
const priceLookupsSQL = `SELECT k.i, ` + lineColumns + `
	FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS k(tenant_id, id, i)
	JOIN products p ON p.id = k.id AND p.tenant_id = k.tenant_id
	WHERE ` + catalog.ListedSQL

// coalescer is the batcher of look-ups on pool h (nil: not batched, or h
// is a transaction).
func (s *Store) coalescer(h bun.IDB) *batch.Coalescer[*lookup] {
	pool, ok := h.(*bun.DB)
	if s.batches == nil || !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.batches[pool]
	if c == nil {
		c = batch.New("cart price look-ups", lookupSlots, lookupMax, func(ctx context.Context, ls []*lookup) error {
			return priceLookups(ctx, pool, ls)
		}, s.log)
		s.batches[pool] = c
	}
	return c
}

// priceLookups prices ls in one statement on pool.
func priceLookups(ctx context.Context, pool *bun.DB, ls []*lookup) error {
	stores, ids := make([]int64, len(ls)), make([]int64, len(ls))
	for i, l := range ls {
		stores[i], ids[i], l.found = l.tenantID, l.productID, false
	}
	rows, err := pool.DB.QueryContext(ctx, priceLookupsSQL, db.Prepared(stores, ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var l Line
		if err := rows.Scan(append([]any{&i}, l.columns()...)...); err != nil {
			return err
		}
		if i < 1 || i > len(ls) {
			return fmt.Errorf("cart: look-up %d of %d", i, len(ls))
		}
		ls[i-1].line, ls[i-1].found = l, true
	}
	return rows.Err()
}

// NewStore returns a cart store over h: the primary, where the price will be
// charged.
func NewStore(h bun.IDB) *Store { return &Store{pool: db.Fixed(h)} }

// NewReadStore returns a cart store for showing the cart: the replica, or the
// primary for a visitor whose write it has not replayed yet (db.ReadPool),
// chosen per request.
func NewReadStore(d *db.DB) *Store { return &Store{pool: d.Reads()} }

// lineColumns are what a priced line reads of products p, in the order of
// Line.columns.
const lineColumns = `p.id, p.slug, p.title, p.price_cents, p.currency, p.cover_key, p.pwyw, p.pwyw_min_cents`

// columns are l's fields that lineColumns scan into.
func (l *Line) columns() []any {
	return []any{&l.ProductID, &l.Slug, &l.Title, &l.UnitPriceCents, &l.Currency, &l.CoverKey, &l.PWYW, &l.MinCents}
}

// priceSQL is Price's statement: one text for every cart, run prepared
// (db.Prepared), so PostgreSQL parses and plans it once per connection.
const priceSQL = `SELECT ` + lineColumns + ` FROM products p
	WHERE p.tenant_id = $1 AND p.id = ANY ($2::bigint[]) AND ` + catalog.ListedSQL

// Price reads every product of the cart within the store tenantID: only
// public or unlisted, live products of that store count. The cookie's word is
// taken for nothing but ids and quantities.
func (s *Store) Price(ctx context.Context, tenantID int64, c Cart) (*Priced, error) {
	out := &Priced{Lines: []Line{}}
	if len(c.Items) == 0 {
		return out, nil
	}
	lines, err := s.lines(ctx, tenantID, c)
	if err != nil {
		return nil, err
	}
	for _, it := range c.Items {
		i := slices.IndexFunc(lines, func(l Line) bool { return l.ProductID == it.ProductID })
		if i < 0 {
			out.Unavailable = append(out.Unavailable, it.ProductID)
			continue
		}
		l := lines[i]
		l.Quantity, l.SuggestedCents = it.Quantity, l.UnitPriceCents
		if l.PWYW && it.Chosen {
			l.UnitPriceCents, l.Chosen = it.Amount, true
		}
		if l.PWYW {
			l.AmountProblem = CheckAmount(l.UnitPriceCents, l.MinCents, l.SuggestedCents, l.Currency)
		}
		if out.Currency == "" {
			out.Currency = l.Currency
		} else if out.Currency != l.Currency {
			out.MixedCurrency = true
		}
		out.Lines = append(out.Lines, l)
		out.TotalCents += l.SubtotalCents()
	}
	out.SubtotalCents = out.TotalCents
	return out, nil
}

// lines reads the cart's products still for sale in store tenantID, in no
// particular order: a cart of one product through the batcher when there
// is one, any other in a statement of its own.
func (s *Store) lines(ctx context.Context, tenantID int64, c Cart) ([]Line, error) {
	h := s.pool(ctx)
	if b := s.coalescer(h); b != nil && len(c.Items) == 1 {
		l := &lookup{tenantID: tenantID, productID: c.Items[0].ProductID}
		if err := b.Do(ctx, l); err != nil || !l.found {
			return nil, err
		}
		return []Line{l.line}, nil
	}
	rows, err := s.query(ctx, h, tenantID, c.IDs())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []Line
	for rows.Next() {
		var l Line
		if err := rows.Scan(l.columns()...); err != nil {
			return nil, err
		}
		lines = append(lines, l)
	}
	return lines, rows.Err()
}

// AmountProblems lists the lines whose chosen amount cannot be charged.
func (p *Priced) AmountProblems() []Line {
	var out []Line
	for _, l := range p.Lines {
		if l.AmountProblem != "" {
			out = append(out, l)
		}
	}
	return out
}

// DiscountLines are the lines as a discount code sees them.
func (p *Priced) DiscountLines() []discounts.Line {
	out := make([]discounts.Line, len(p.Lines))
	for i, l := range p.Lines {
		out[i] = discounts.Line{ProductID: l.ProductID, UnitCents: l.SubtotalCents(), PWYW: l.PWYW}
	}
	return out
}

// Discount takes an applied code off the lines and the total.
func (p *Priced) Discount(a *discounts.Applied) {
	p.Code, p.CodeOff, p.DiscountCents, p.CodeProblem = a.Code.Code, a.Code.Off(), a.TotalOff, ""
	for i := range p.Lines {
		p.Lines[i].DiscountCents = a.Off[p.Lines[i].ProductID]
	}
	p.TotalCents = p.SubtotalCents - a.TotalOff
}

// Preview applies the cart's code for the cart page (nothing held: checkout
// applies it again under the code's lock) and says why it does not apply.
// It reports whether the code applied; an error is the database's.
func (s *Store) Preview(ctx context.Context, tenantID int64, p *Priced, code string, b discounts.Buyer) (bool, error) {
	if code == "" || len(p.Lines) == 0 {
		return false, nil
	}
	a, err := discounts.Preview(ctx, s.pool(ctx), tenantID, code, p.DiscountLines(), p.Currency, b)
	var r *discounts.Refusal
	switch {
	case errors.As(err, &r):
		p.Code, p.CodeProblem = code, r.Message
		return false, nil
	case err != nil:
		return false, err
	}
	p.Discount(a)
	return true, nil
}

// query runs priceSQL on the database/sql handle under h: Bun would
// interpolate the arguments into a new text per call (see db.Prepared).
func (s *Store) query(ctx context.Context, h bun.IDB, tenantID int64, ids []int64) (*sql.Rows, error) {
	args := db.Prepared(tenantID, ids)
	switch h := h.(type) {
	case *bun.DB:
		return h.DB.QueryContext(ctx, priceSQL, args...)
	case bun.Tx:
		return h.Tx.QueryContext(ctx, priceSQL, args...)
	case *bun.Tx:
		return h.Tx.QueryContext(ctx, priceSQL, args...)
	case bun.Conn:
		return h.Conn.QueryContext(ctx, priceSQL, args...)
	}
	return nil, fmt.Errorf("cart: no database/sql handle under %T", h)
}

// Stores reads the active stores among ids, for the carts index: a store
// since suspended or deleted is left out, and so is its cart.
func (s *Store) Stores(ctx context.Context, ids []int64) (map[int64]*tenants.Tenant, error) {
	out := map[int64]*tenants.Tenant{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*tenants.Tenant
	if err := s.pool(ctx).NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).
		Where("status = ?", tenants.StatusActive).Scan(ctx); err != nil {
		return nil, err
	}
	for _, t := range rows {
		out[t.ID] = t
	}
	return out, nil
}

// AmountInput is the line's price as the amount box shows it: "12.50".
func (l Line) AmountInput() string {
	return strconv.FormatInt(l.UnitPriceCents/100, 10) + "." + strconv.FormatInt(100+l.UnitPriceCents%100, 10)[1:]
}
