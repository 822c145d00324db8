// Package reviews is buyers' reviews of the products they bought, the
// creator's one public response to each, and the optional AI helper that
// drafts a review from a few of the buyer's words. A review is written only
// while the buyer holds a live entitlement; the database holds the same rules
// (one row per buyer and product, an entitlement trigger) and moves the
// product's rating aggregates in the review's own transaction (migration 0010).
package reviews

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Limits on what a review may hold; the database checks the same bounds.
const (
	MaxTitle    = 120
	MaxBody     = 5000
	MaxResponse = 2000
	// PageSize is how many reviews one page of the list shows.
	PageSize = 10
)

//lint:file-ignore ST1005 these errors carry the sentence shown to the buyer verbatim, capitalised and punctuated

// Domain errors, checked with errors.Is. Each carries the sentence the buyer
// or creator sees; handlers show Message(err).
var (
	// ErrNotBuyer: the user holds no live entitlement to the product (never
	// bought it, or the purchase was refunded or disputed).
	ErrNotBuyer = errors.New("Only buyers of this product can review it. If your purchase was refunded, your review is hidden.")
	// ErrNotMember: only the store's own members may answer a review.
	ErrNotMember = errors.New("Only the store's team can respond to reviews.")
	// ErrNotFound is a review that does not exist here; it wraps sql.ErrNoRows
	// so the web layer answers it with the one 404 page.
	ErrNotFound = fmt.Errorf("reviews: not found: %w", sql.ErrNoRows)
)

// Review is one buyer's review as the page shows it.
type Review struct {
	ID          int64      `bun:"id"`
	ProductID   int64      `bun:"product_id"`
	UserID      int64      `bun:"user_id"`
	Author      string     `bun:"author"`
	Rating      int        `bun:"rating"`
	Title       string     `bun:"title"`
	Body        string     `bun:"body"`
	Visible     bool       `bun:"visible"`
	Response    *string    `bun:"response"`
	RespondedAt *time.Time `bun:"responded_at"`
	CreatedAt   time.Time  `bun:"created_at"`
	UpdatedAt   time.Time  `bun:"updated_at"`
}

// Stars is the rating as five filled or empty stars, for the page.
func (r Review) Stars() string { return Stars(r.Rating) }

// Edited reports whether the buyer changed the review after posting it.
func (r Review) Edited() bool { return r.UpdatedAt.Sub(r.CreatedAt) > time.Second }

// Stars draws n of five stars.
func Stars(n int) string {
	s := ""
	for i := 1; i <= 5; i++ {
		if i <= n {
			s += "★"
		} else {
			s += "☆"
		}
	}
	return s
}

// Summary is a product's rating aggregates, read from the products row the
// review triggers keep (never counted on page load).
type Summary struct {
	Count int64   `bun:"rating_count"`
	Sum   int64   `bun:"rating_sum"`
	Bayes float64 `bun:"bayes_rating"`
}

// Average is the plain mean rating, 0 when unrated.
func (s Summary) Average() float64 {
	if s.Count == 0 {
		return 0
	}
	return float64(s.Sum) / float64(s.Count)
}

// Position is a keyset position in a product's newest-first review list.
type Position struct {
	Micros int64 `json:"t"`
	ID     int64 `json:"i"`
}

// PositionOf is the position just after review r.
func PositionOf(r Review) Position { return Position{Micros: r.CreatedAt.UnixMicro(), ID: r.ID} }

// Viewer is what the signed-in visitor may do on a product's reviews.
type Viewer struct {
	UserID   int64
	Entitled bool    // holds a live entitlement: may write or edit
	Member   bool    // belongs to the store: may respond
	Own      *Review // their review, visible or hidden, if any
}

// Message is the user-facing sentence of a domain error, or "" for any
// other error (which must not reach users).
func Message(err error) string {
	for _, e := range []error{ErrNotBuyer, ErrNotMember} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	var fe *FormError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return ""
}
