// Package discounts holds a store's discount codes: percent or fixed amount
// off all of the store's products or chosen ones, between optional start and
// end times, with optional caps on total redemptions and on redemptions per
// buyer and an optional minimum order (docs/discounts.md).
//
// The cart previews a code (Preview); checkout applies it while it opens the
// Stripe session (Hold), inside the checkout's own transaction: the code's
// row is locked, its redemptions and live holds are counted against its
// caps, and a hold is written with the checkout. The paid-order webhook turns
// the hold into a redemption (Redeem, an orders.PaidStep), so only paid
// orders use a code up, and an abandoned checkout's hold simply expires.
package discounts

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/uptrace/bun"
)

// Kinds of code.
const (
	Percent = "percent"
	Amount  = "amount"
)

// HoldFor is how long a checkout's hold on a code counts against its caps:
// a little longer than the Stripe session it was taken for lives
// (SessionLife), so a session paid in its last second still finds its hold.
const (
	SessionLife = 35 * time.Minute
	HoldFor     = 40 * time.Minute
)

// ErrNotFound is a code that is not the store's (or does not exist).
var ErrNotFound = fmt.Errorf("discounts: code not found: %w", sql.ErrNoRows)

// Code is one discount code (the discount_codes table).
type Code struct {
	bun.BaseModel `bun:"table:discount_codes"`

	ID             int64      `bun:"id,pk,autoincrement"`
	TenantID       int64      `bun:"tenant_id"`
	Code           string     `bun:"code"`
	Kind           string     `bun:"kind"`
	Value          int64      `bun:"value"` // percent 1..100, or minor units off
	Currency       string     `bun:"currency"`
	AllProducts    bool       `bun:"all_products"`
	StartsAt       *time.Time `bun:"starts_at"`
	EndsAt         *time.Time `bun:"ends_at"`
	MaxRedemptions *int       `bun:"max_redemptions"`
	MaxPerBuyer    *int       `bun:"max_per_buyer"`
	MinOrderCents  int64      `bun:"min_order_cents"`
	CreatedAt      time.Time  `bun:"created_at,nullzero,default:now()"`
	ArchivedAt     *time.Time `bun:"archived_at"`

	// Products are the code's products when !AllProducts.
	Products []int64 `bun:"-"`
}

// Off describes what the code takes off, as people read it: "20% off" or
// "$5.00 off".
func (c *Code) Off() string {
	if c.Kind == Percent {
		return fmt.Sprintf("%d%% off", c.Value)
	}
	return catalog.Money(c.Value, c.Currency) + " off"
}

// Line is one cart line the code may apply to: its product, its price now
// (from PostgreSQL) and whether the buyer chose the price (pay what you
// want: no code applies to such a line).
type Line struct {
	ProductID int64
	UnitCents int64
	PWYW      bool
}

// Buyer is who is checking out: an account, an email address, both, or
// neither (a guest who has not said yet).
type Buyer struct {
	UserID int64
	Email  string // lower case
}

// Known reports whether the buyer can be told apart from others.
func (b Buyer) Known() bool { return b.UserID != 0 || b.Email != "" }

// Applied is a code applied to a cart: the amount taken off each line, by
// product id, and in all.
type Applied struct {
	Code     *Code
	Off      map[int64]int64
	TotalOff int64
}

// Refusal is why a code does not apply, worded for the buyer. Reason is a
// stable word for tests and logs.
type Refusal struct {
	Reason  string
	Message string
}

func (r *Refusal) Error() string { return "discounts: " + r.Reason + ": " + r.Message }

// The reasons a code does not apply.
const (
	Unknown       = "unknown"
	NotStarted    = "not_started"
	Ended         = "ended"
	UsedUp        = "used_up"
	MinimumNotMet = "minimum"
	NotForThese   = "products"
	UsedByYou     = "used_by_you"
	NeedBuyer     = "need_buyer"
	WrongCurrency = "currency"
)

func refuse(reason, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Usage is how much of a code is taken: redemptions and live holds, in all
// and by this buyer, and of those the redemptions (paid orders).
type Usage struct {
	Total, Redeemed          int
	ByBuyer, RedeemedByBuyer int
}

// Evaluate applies code to lines (a cart of one currency) at now, or says
// why it does not apply. checkBuyer asks for the per-buyer limit to be
// enforced (at checkout open; the cart's preview only says it will be).
// It is pure: the caller reads the code and its usage.
func Evaluate(code *Code, lines []Line, currency string, now time.Time, use Usage, buyer Buyer, checkBuyer bool) (*Applied, error) {
	switch {
	case code == nil || code.ArchivedAt != nil:
		return nil, refuse(Unknown, "That code is not valid in this store.")
	case code.StartsAt != nil && now.Before(*code.StartsAt):
		return nil, refuse(NotStarted, "That code starts on %s.", code.StartsAt.UTC().Format("2 January 2006, 15:04 UTC"))
	case code.EndsAt != nil && !now.Before(*code.EndsAt):
		return nil, refuse(Ended, "That code ended on %s.", code.EndsAt.UTC().Format("2 January 2006, 15:04 UTC"))
	case code.MaxRedemptions != nil && use.Redeemed >= *code.MaxRedemptions:
		return nil, refuse(UsedUp, "That code has been used up.")
	case code.MaxRedemptions != nil && use.Total >= *code.MaxRedemptions:
		return nil, refuse(UsedUp, "That code's last uses are held by checkouts in progress. A use not paid within %d minutes is free again: try later.", int(HoldFor.Minutes()))
	case code.Kind == Amount && !strings.EqualFold(code.Currency, currency):
		return nil, refuse(WrongCurrency, "That code is for orders in %s.", strings.ToUpper(code.Currency))
	}
	var subtotal, eligible int64
	var lineIDs []int64
	for _, l := range lines {
		subtotal += l.UnitCents
		if !l.PWYW && (code.AllProducts || slices.Contains(code.Products, l.ProductID)) {
			eligible += l.UnitCents
			lineIDs = append(lineIDs, l.ProductID)
		}
	}
	switch {
	case len(lineIDs) == 0:
		return nil, refuse(NotForThese, "That code is not for the products in your cart.")
	case subtotal < code.MinOrderCents:
		return nil, refuse(MinimumNotMet, "That code needs an order of at least %s.", catalog.Money(code.MinOrderCents, currency))
	}
	if code.MaxPerBuyer != nil && checkBuyer {
		if !buyer.Known() {
			return nil, refuse(NeedBuyer, "This code can be used %s per buyer: sign in, or enter your email address, to use it.", times(*code.MaxPerBuyer))
		}
		if use.RedeemedByBuyer >= *code.MaxPerBuyer {
			return nil, refuse(UsedByYou, "You have already used that code.")
		}
		if use.ByBuyer >= *code.MaxPerBuyer {
			return nil, refuse(UsedByYou, "You have a checkout open with that code. Finish paying it, or try again once it expires (within %d minutes).", int(HoldFor.Minutes()))
		}
	}
	a := &Applied{Code: code, Off: map[int64]int64{}}
	if code.Kind == Percent {
		for _, l := range lines {
			if slices.Contains(lineIDs, l.ProductID) {
				off := l.UnitCents * code.Value / 100
				a.Off[l.ProductID] = off
				a.TotalOff += off
			}
		}
		return a, nil
	}
	// A fixed amount is shared among the eligible lines in proportion to
	// their prices, rounded down, the remainder taken off the first lines
	// that still have some price left; never more than a line costs.
	total := min(code.Value, eligible)
	for _, l := range lines {
		if slices.Contains(lineIDs, l.ProductID) && eligible > 0 {
			off := total * l.UnitCents / eligible
			a.Off[l.ProductID] = off
			a.TotalOff += off
		}
	}
	for _, l := range lines {
		if a.TotalOff == total {
			break
		}
		if slices.Contains(lineIDs, l.ProductID) {
			more := min(total-a.TotalOff, l.UnitCents-a.Off[l.ProductID])
			a.Off[l.ProductID] += more
			a.TotalOff += more
		}
	}
	return a, nil
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// Normalize is a code as typed, trimmed; ok is false for anything that
// cannot be a code (2 to 40 letters, digits, - and _).
func Normalize(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || len(s) > 40 {
		return "", false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", false
		}
	}
	return s, true
}
