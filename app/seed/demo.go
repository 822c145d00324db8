// Package seed fills a database with demo data for `claro dev` and with a
// large realistic catalog for load tests.
package seed

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/uptrace/bun"
)

// DemoPassword is every demo account's password; `claro seed --demo` prints it.
const DemoPassword = "claro-demo-2026"

// Blobs is where the seed puts covers and files.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
}

// IsEmpty reports whether the database has no store yet (then `claro dev`
// seeds it).
func IsEmpty(ctx context.Context, db bun.IDB) (bool, error) {
	n, err := db.NewSelect().Table("tenants").Count(ctx)
	return n == 0, err
}

// Demo creates the demo creators, stores, categories, products, files,
// buyers and their orders of the last 90 days in one transaction, folds the
// orders' sales ledger into the products' counters with the catalog's
// applier, has the buyers review some purchases through the review store,
// and prints the demo logins to out. Every number the demo shows is so a
// count of its rows (demo_orders.go).
func Demo(ctx context.Context, db *bun.DB, blobs Blobs, out io.Writer) error {
	hash, err := accounts.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	now := time.Now()
	var purchases []demoPurchase
	var buyers []demoBuyer
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		cats := catalog.NewStore(tx)
		catIDs := map[string]int64{}
		for i, dc := range demoCategories {
			c := &catalog.Category{Slug: dc.Slug, Name: dc.Name, Position: i}
			if dc.Parent != "" {
				pid, ok := catIDs[dc.Parent]
				if !ok {
					return fmt.Errorf("seed: category %s listed before its parent %s", dc.Slug, dc.Parent)
				}
				c.ParentID = &pid
			}
			if err := cats.CreateCategory(ctx, c); err != nil {
				return fmt.Errorf("seed: category %s: %w", dc.Slug, err)
			}
			catIDs[dc.Slug] = c.ID
		}

		ts := tenants.NewStore(tx)
		stores := map[string]*tenants.Tenant{}
		for i, ds := range demoStores {
			var uid int64
			if err := tx.NewRaw(`INSERT INTO users (email, name, password_hash, email_verified_at) VALUES (?, ?, ?, now()) RETURNING id`,
				ds.OwnerEmail, ds.OwnerName, hash).Scan(ctx, &uid); err != nil {
				return fmt.Errorf("seed: user %s: %w", ds.OwnerEmail, err)
			}
			t := &tenants.Tenant{Slug: ds.Slug, Name: ds.Name, Description: ds.Description, AccentColor: ds.Accent, ChargesEnabled: ds.ChargesEnabled}
			if ds.ChargesEnabled {
				// A fake connected account: stripe-mock accepts any acct_ id.
				acct := fmt.Sprintf("acct_demo%07d", i+1)
				t.StripeAccountID = &acct
				t.PayoutsEnabled = true
			}
			if err := ts.Create(ctx, t); err != nil {
				return fmt.Errorf("seed: store %s: %w", ds.Slug, err)
			}
			if _, err := tx.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES (?, ?, 'owner')`, t.ID, uid).Exec(ctx); err != nil {
				return err
			}
			stores[ds.Slug] = t
		}

		markdown := catalog.NewRenderer()
		var sellable []demoSold // public products of stores that take payments
		// Spread creation times over the weeks before the sales history
		// starts, so every product is on sale for the whole of it and
		// "newest" has an order.
		start := now.AddDate(0, 0, -demoHistoryDays-2).Add(-time.Duration(len(demoProducts)) * 19 * time.Hour)
		for i, dp := range demoProducts {
			t, ok := stores[dp.Store]
			if !ok {
				return fmt.Errorf("seed: product %s names unknown store %s", dp.Slug, dp.Store)
			}
			svg := CoverSVG(dp.Title, t.Name, t.AccentColor, int64(i+1))
			key := blob.ContentKey("img", svg, ".svg")
			if err := blobs.Put(ctx, key, bytes.NewReader(svg), int64(len(svg)), "image/svg+xml"); err != nil {
				return err
			}
			// Interleave the stores in time (i*17 mod n is a permutation when n is
			// not a multiple of 17) so "newest" mixes creators.
			created := start.Add(time.Duration((i*17)%len(demoProducts)) * 19 * time.Hour).Truncate(time.Second)
			// The content goes through the renderer creators' saves use, so the
			// library shows the same sanitised HTML an edit would store.
			html, err := markdown.Render(dp.ContentMD)
			if err != nil {
				return fmt.Errorf("seed: product %s/%s content: %w", dp.Store, dp.Slug, err)
			}
			p := &catalog.Product{
				Slug: dp.Slug, Title: dp.Title, Description: dp.Description, ContentMD: dp.ContentMD, ContentHTML: html,
				PriceCents: dp.PriceCents, Currency: "usd", Visibility: dp.Visibility, Tags: dp.Tags,
				CoverKey: &key, CreatedAt: created, UpdatedAt: created,
			}
			if dp.Visibility != catalog.Draft {
				p.PublishedAt = &created
			}
			if id, ok := catIDs[dp.Category]; ok {
				p.CategoryID = &id
			}
			if err := catalog.NewStore(tx).Create(ctx, t.ID, p); err != nil {
				return fmt.Errorf("seed: product %s/%s: %w", dp.Store, dp.Slug, err)
			}
			if p.Visibility == catalog.Public && t.ChargesEnabled {
				// Popularity and how well liked a product is vary with its
				// place in the list, never with its store.
				sellable = append(sellable, demoSold{productID: p.ID, tenantID: t.ID, title: p.Title, priceCents: p.PriceCents,
					publishedAt: created, weight: float64(1 + (i*7)%6), quality: (i * 5) % 3})
			}
			for j, f := range dp.Files {
				fkey := fmt.Sprintf("files/%d/%d-%d-%s", t.ID, p.ID, j, safeName(f.Name))
				if err := blobs.Put(ctx, fkey, bytes.NewReader([]byte(f.Body)), int64(len(f.Body)), f.ContentType); err != nil {
					return err
				}
				if err := cats.AddFile(ctx, t.ID, &catalog.File{ProductID: p.ID, Name: f.Name, BlobKey: fkey, SizeBytes: int64(len(f.Body)), ContentType: f.ContentType}); err != nil {
					return err
				}
			}
		}
		purchases, buyers, err = demoHistory(ctx, tx, hash, sellable, now)
		return err
	})
	if err != nil {
		return err
	}
	// The counters every listing shows come from the ledger the orders
	// wrote, folded in by the applier the app runs.
	if _, err := catalog.NewSales(db, slog.New(slog.DiscardHandler)).Apply(ctx); err != nil {
		return err
	}
	reviewed, err := demoReviews(ctx, db, purchases, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo data: %d stores, %d products, %d buyers, %d orders over the last %d days, %d reviews.\n",
		len(demoStores), len(demoProducts), len(buyers), len(purchases), demoHistoryDays, reviewed)
	fmt.Fprintf(out, "Every demo account's password is %q.\n", DemoPassword)
	fmt.Fprintln(out, "Creators:")
	for _, s := range demoStores {
		fmt.Fprintf(out, "  %-28s store %s\n", s.OwnerEmail, s.Slug)
	}
	fmt.Fprintln(out, "Buyers (each owns a few products, some reviewed, in their library):")
	for _, b := range demoBuyers {
		fmt.Fprintf(out, "  %s\n", b.Email)
	}
	fmt.Fprintf(out, "  and buyer01@claro.test to buyer%02d@claro.test\n", demoCrowd)
	return nil
}

// safeName keeps a file name usable inside a blob key.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b)
}
