package seed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/reviews"
	"github.com/uptrace/bun"
)

// The demo's sales history: demo buyers (the named ones, who sign in, and a
// crowd of others) buy the public products of the stores that take payments
// over the last demoHistoryDays days, more often lately, some products more
// than others. Nothing shown about a product is written directly: an order is
// written as the paid-order writer (app/orders/paid.go) writes one, with its
// checkout, items, entitlements and its units on the sales ledger, dated
// when it was paid; the catalog's ledger applier then folds the ledger into
// sales_count and trending_score (demo.go), and reviews go through the
// review store, whose trigger keeps the rating aggregates. So every count on
// every page is a count of rows.
const (
	demoHistoryDays = 90
	// demoCrowd is how many buyers besides the named ones the demo makes.
	demoCrowd = 48
	// demoRandSeed makes the history the same on every run (relative to now).
	demoRandSeed = 19
)

// demoSold is a product a demo buyer can own.
type demoSold struct {
	productID, tenantID int64
	title               string
	priceCents          int64
	publishedAt         time.Time
	// weight is how popular the product is, relative to the others.
	weight float64
	// quality shifts its ratings: 0 (mixed) to 2 (loved).
	quality int
}

// demoBuyer is a buyer account the seed made.
type demoBuyer struct {
	id          int64
	name, email string
}

// demoPurchase is one paid order of one product, remembered for its review.
type demoPurchase struct {
	buyer      demoBuyer
	product    demoSold
	paidAt     time.Time
	reviewable bool
}

var demoCrowdFirst = []string{"Amara", "Felix", "Hana", "Idris", "Jules", "Kai", "Lena", "Mateo", "Noor", "Oskar",
	"Priya", "Quinn", "Rosa", "Soren", "Tariq", "Uma", "Vera", "Wen", "Yara", "Zane", "Elif", "Diego", "Chloe", "Bram"}

var demoCrowdLast = []string{"Adeyemi", "Berg", "Castillo", "Dubois", "Eriksen", "Fontaine", "Garcia", "Haddad",
	"Ito", "Jansen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Olsen", "Petrov"}

var demoReviewTexts = map[int][]struct{ title, body string }{
	5: {
		{"Exactly what I needed", "Clear, well organised and worth every cent. I used it the same evening."},
		{"Changed my workflow", "Saves me time on every project. The examples are the best part."},
		{"Beautifully made", "You can tell a working professional put this together. No filler at all."},
		{"Worth it", "I have bought a lot of these and this is the one I keep coming back to."},
	},
	4: {
		{"Very good", "Great quality overall; a couple of parts could go deeper, but I would buy again."},
		{"Does the job well", "Easy to get started with and the results look professional."},
		{"Recommended", "A few rough edges, but far better than the free alternatives."},
	},
	3: {
		{"Solid, not spectacular", "Does what it says. I hoped for a bit more variety."},
		{"Good starting point", "Useful, though I had to adapt most of it to my own style."},
	},
	2: {
		{"Not for me", "Well made, but aimed at beginners more than the description suggests."},
	},
}

// demoHistory writes the demo's buyers and their paid orders inside tx and
// returns the purchases, oldest first. hash is every demo account's password
// hash.
func demoHistory(ctx context.Context, tx bun.Tx, hash string, sellable []demoSold, now time.Time) ([]demoPurchase, []demoBuyer, error) {
	rng := rand.New(rand.NewPCG(demoRandSeed, 7))
	var buyers []demoBuyer
	for _, b := range demoBuyers {
		buyers = append(buyers, demoBuyer{name: b.Name, email: b.Email})
	}
	for i := range demoCrowd {
		first, last := demoCrowdFirst[i%len(demoCrowdFirst)], demoCrowdLast[(i*5+i/len(demoCrowdFirst))%len(demoCrowdLast)]
		buyers = append(buyers, demoBuyer{name: first + " " + last, email: fmt.Sprintf("buyer%02d@claro.test", i+1)})
	}
	for i := range buyers {
		if err := tx.NewRaw(`INSERT INTO users (email, name, password_hash, email_verified_at, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			buyers[i].email, buyers[i].name, hash, now.AddDate(0, 0, -demoHistoryDays-10), now.AddDate(0, 0, -demoHistoryDays-10)).
			Scan(ctx, &buyers[i].id); err != nil {
			return nil, nil, fmt.Errorf("seed: buyer %s: %w", buyers[i].email, err)
		}
	}
	if len(sellable) == 0 {
		return nil, buyers, nil
	}
	var total float64
	for _, p := range sellable {
		total += p.weight
	}
	pick := func() demoSold {
		x := rng.Float64() * total
		for _, p := range sellable {
			if x -= p.weight; x < 0 {
				return p
			}
		}
		return sellable[len(sellable)-1]
	}
	var out []demoPurchase
	for bi, b := range buyers {
		n := 2 + rng.IntN(4) // 2 to 5 orders each
		if bi < len(demoBuyers) {
			n = 4 // the named buyers' libraries are worth a look
		}
		owned := map[int64]bool{}
		for range n {
			p := pick()
			for tries := 0; owned[p.productID] && tries < 20; tries++ {
				p = pick()
			}
			if owned[p.productID] {
				continue
			}
			owned[p.productID] = true
			// More sales lately: the time back is up to 89 days less an hour
			// times u^1.6, so the last weeks are busier than the first, as a
			// growing store's are, and every order falls on one of the last
			// 90 UTC days (the sales page's longest range).
			span := time.Duration(demoHistoryDays-1)*24*time.Hour - time.Hour
			back := time.Duration(float64(span)*math.Pow(rng.Float64(), 1.6)) + 20*time.Minute
			at := now.Add(-back).Truncate(time.Second)
			if at.Before(p.publishedAt) {
				at = p.publishedAt.Add(time.Duration(1+rng.IntN(48)) * time.Hour)
			}
			out = append(out, demoPurchase{buyer: b, product: p, paidAt: at, reviewable: rng.IntN(100) < 60})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].paidAt.Before(out[j].paidAt) })
	for i, pu := range out {
		if err := demoOrder(ctx, tx, i+1, pu); err != nil {
			return nil, nil, err
		}
	}
	return out, buyers, nil
}

// demoOrder writes one paid order as the paid-order writer does (checkout and
// its items, the order, its items, the entitlement, the ledger units), dated
// when it was paid. No receipt is owed: nobody is mailed for demo data.
func demoOrder(ctx context.Context, tx bun.Tx, n int, pu demoPurchase) error {
	p, at := pu.product, pu.paidAt
	session, pi := fmt.Sprintf("cs_demo_%04d", n), fmt.Sprintf("pi_demo_%04d", n)
	fee := p.priceCents * 1000 / 10000
	var checkoutID, orderID int64
	if err := tx.NewRaw(`INSERT INTO checkouts (tenant_id, user_id, email, stripe_checkout_session_id, amount_total_cents,
			application_fee_cents, currency, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'usd', 'completed', ?, ?) RETURNING id`,
		p.tenantID, pu.buyer.id, pu.buyer.email, session, p.priceCents, fee, at.Add(-2*time.Minute), at).Scan(ctx, &checkoutID); err != nil {
		return fmt.Errorf("seed: checkout for %s: %w", pu.buyer.email, err)
	}
	if _, err := tx.NewRaw(`INSERT INTO checkout_items (checkout_id, tenant_id, product_id, title, unit_price_cents, quantity)
			VALUES (?, ?, ?, ?, ?, 1)`, checkoutID, p.tenantID, p.productID, p.title, p.priceCents).Exec(ctx); err != nil {
		return err
	}
	if err := tx.NewRaw(`INSERT INTO orders (tenant_id, checkout_id, user_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
			amount_total_cents, application_fee_cents, currency, status, paid_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'usd', 'paid', ?, ?, ?) RETURNING id`,
		p.tenantID, checkoutID, pu.buyer.id, pu.buyer.email, session, pi, p.priceCents, fee, at, at, at).Scan(ctx, &orderID); err != nil {
		return fmt.Errorf("seed: order for %s: %w", pu.buyer.email, err)
	}
	if _, err := tx.NewRaw(`INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
			VALUES (?, ?, ?, ?, ?, 1)`, orderID, p.tenantID, p.productID, p.title, p.priceCents).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewRaw(`INSERT INTO entitlements (tenant_id, user_id, email, product_id, order_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		p.tenantID, pu.buyer.id, pu.buyer.email, p.productID, orderID, at).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewRaw(`INSERT INTO sales_ledger (product_id, units, sold_at) VALUES (?, 1, ?)`, p.productID, at).Exec(ctx)
	return err
}

// demoReviews has about 60% of the purchases reviewed, through the review
// store (which checks the entitlement and moves the rating aggregates), a day
// or so after the purchase; the one thing set afterwards is the review's
// date, which the store takes as "now".
func demoReviews(ctx context.Context, bdb *bun.DB, purchases []demoPurchase, now time.Time) (int, error) {
	store := reviews.NewStore(&db.DB{Primary: bdb, Replica: bdb})
	rng := rand.New(rand.NewPCG(demoRandSeed, 11))
	n := 0
	for _, pu := range purchases {
		if !pu.reviewable {
			continue
		}
		// quality 2: mostly 5s; 1: 4s and 5s; 0: 2 to 5.
		rating := 5 - rng.IntN(4-pu.product.quality)
		if pu.product.quality == 2 && rng.IntN(4) > 0 {
			rating = 5
		}
		texts := demoReviewTexts[rating]
		text := texts[rng.IntN(len(texts))]
		if err := store.Upsert(ctx, pu.product.tenantID, pu.product.productID, pu.buyer.id, rating, text.title, text.body); err != nil {
			return n, fmt.Errorf("seed: review by %s: %w", pu.buyer.email, err)
		}
		at := pu.paidAt.Add(time.Duration(2+rng.IntN(120)) * time.Hour)
		if at.After(now) {
			at = now.Add(-time.Minute)
		}
		if _, err := bdb.NewRaw(`UPDATE reviews SET created_at = ?, updated_at = ? WHERE product_id = ? AND user_id = ?`,
			at, at, pu.product.productID, pu.buyer.id).Exec(ctx); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
