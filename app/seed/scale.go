package seed

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/search"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// scaleBatch is how many products one INSERT carries.
const scaleBatch = 1000

// Scale adds a large, believable catalog for load tests: n products across
// n/100 stores (at least one), drawn from a fixed seed so two runs of the same
// size look alike. Prices cluster on real price points, sales follow a power
// law (most products sell little, a few sell thousands), ratings grow with
// sales around 4.3 stars, and trending scores follow each product's last
// sales. About 90% of products are public; a few stores cannot take payments
// or are suspended, so eligibility has something to exclude. Products go in
// with multi-row INSERTs of scaleBatch rows; progress is drawn on out. It
// can run on a non-empty database: names carry a run suffix.
func Scale(ctx context.Context, db *bun.DB, n int, out io.Writer) error {
	if n <= 0 {
		return fmt.Errorf("seed --scale: N must be positive, got %d", n)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 2026))
	run := strconv.FormatInt(time.Now().Unix()%1000000, 36)
	cats, err := ensureCategories(ctx, db)
	if err != nil {
		return err
	}
	stores, err := scaleStores(ctx, db, max(1, n/100), run, rng)
	if err != nil {
		return err
	}
	bar := search.NewProgress(out, "seed --scale", n)
	kinds, now := scaleKinds(), time.Now()
	for start := 0; start < n; start += scaleBatch {
		rows := newScaleRows(min(scaleBatch, n-start))
		for i := start; i < start+rows.cap; i++ {
			rows.add(i, stores[rng.IntN(len(stores))], kinds[rng.IntN(len(kinds))], cats, now, rng)
		}
		if err := rows.insert(ctx, db); err != nil {
			return fmt.Errorf("seed --scale: products %d-%d: %w", start, start+rows.cap, err)
		}
		bar.Set(start + rows.cap)
	}
	bar.Finish()
	fmt.Fprintf(out, "seed --scale: %d products across %d stores (run %s)\n", n, len(stores), run)
	return nil
}

// ensureCategories creates the demo category tree where missing and maps
// slugs to ids.
func ensureCategories(ctx context.Context, db bun.IDB) (map[string]int64, error) {
	ids := map[string]int64{}
	for i, c := range demoCategories {
		var parent *int64
		if c.Parent != "" {
			p := ids[c.Parent]
			parent = &p
		}
		var id int64
		err := db.NewRaw(`INSERT INTO categories (slug, name, parent_id, position) VALUES (?, ?, ?, ?)
			ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug RETURNING id`, c.Slug, c.Name, parent, i).Scan(ctx, &id)
		if err != nil {
			return nil, fmt.Errorf("seed --scale: category %s: %w", c.Slug, err)
		}
		ids[c.Slug] = id
	}
	return ids, nil
}

// scaleStores creates the stores: 97% can take payments, 1% are suspended.
func scaleStores(ctx context.Context, db bun.IDB, count int, run string, rng *rand.Rand) ([]int64, error) {
	adj, subj, words := scaleAdjectives(), scaleSubjects(), scaleStoreWords()
	ids := make([]int64, 0, count)
	for i := range count {
		a, s, w := adj[rng.IntN(len(adj))], subj[rng.IntN(len(subj))], words[rng.IntN(len(words))]
		slug := strings.ToLower(fmt.Sprintf("%s-%s-%s%d", a, strings.ReplaceAll(s, " ", ""), run, i))
		slug = strings.ReplaceAll(slug, "lo-fi", "lofi")
		name := fmt.Sprintf("%s %s %s", a, s, strings.ToUpper(w[:1])+w[1:])
		status, charges := "active", rng.Float64() >= 0.03
		if rng.Float64() < 0.01 {
			status = "suspended"
		}
		var id int64
		err := db.NewRaw(`INSERT INTO tenants (slug, name, description, charges_enabled, payouts_enabled, status, stripe_account_id)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, slug, name, "Independent creator "+name+".", charges, charges, status,
			"acct_scale"+run+strconv.Itoa(i)).Scan(ctx, &id)
		if err != nil {
			return nil, fmt.Errorf("seed --scale: store %s: %w", slug, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// scaleRows is one batch of products as column arrays for unnest().
type scaleRows struct {
	cap                                 int
	tenant, category, price, sales      []int64
	ratingCount, ratingSum              []int64
	slug, title, description, vis, tags []string
	trending                            []float64
	created                             []time.Time
}

func newScaleRows(n int) *scaleRows { return &scaleRows{cap: n} }

func (r *scaleRows) add(i int, tenant int64, k scaleKind, cats map[string]int64, now time.Time, rng *rand.Rand) {
	adj, subj := scaleAdjectives(), scaleSubjects()
	a, s, noun := adj[rng.IntN(len(adj))], subj[rng.IntN(len(subj))], k.Nouns[rng.IntN(len(k.Nouns))]
	title := fmt.Sprintf("%s %s %s", a, s, noun)
	if rng.Float64() < 0.15 {
		title += fmt.Sprintf(" Vol. %d", 2+rng.IntN(4))
	}
	tags := []string{k.Tags[rng.IntN(len(k.Tags))]}
	for len(tags) < 2+rng.IntN(3) {
		if t := k.Tags[rng.IntN(len(k.Tags))]; !strings.Contains(strings.Join(tags, ","), t) {
			tags = append(tags, t)
		}
	}
	price := k.Prices[rng.IntN(len(k.Prices))]
	if price > 0 && rng.Float64() < 0.2 {
		price = price/100*100 + 99 // $x.99 pricing
	}
	// Age skews recent: most of the catalog is from the last months.
	created := now.Add(-time.Duration(math.Pow(rng.Float64(), 2) * float64(730*24*time.Hour)))
	sales := int64(0)
	if rng.Float64() > 0.4 { // a Pareto tail: few products sell thousands
		sales = min(int64(math.Pow(1-rng.Float64(), -1/1.16)), 50000)
	}
	ratings := int64(float64(sales) * (0.05 + 0.15*rng.Float64()))
	stars := min(5, max(1, 4.3+rng.NormFloat64()*0.5))
	trending := math.Inf(-1)
	if sales > 0 { // as if every sale happened at the last one: close enough to rank
		last := created.Add(time.Duration(rng.Float64() * float64(now.Sub(created))))
		trending = catalog.SaleWeight(last) + math.Log(float64(sales))
	}
	vis := "public"
	switch u := rng.Float64(); {
	case u < 0.04:
		vis = "draft"
	case u < 0.10:
		vis = "private"
	}
	r.tenant, r.category = append(r.tenant, tenant), append(r.category, cats[k.Category])
	r.price, r.sales = append(r.price, price), append(r.sales, sales)
	r.ratingCount, r.ratingSum = append(r.ratingCount, ratings), append(r.ratingSum, int64(math.Round(stars*float64(ratings))))
	r.slug = append(r.slug, slugify(title)+"-"+strconv.Itoa(i))
	r.title = append(r.title, title)
	r.description = append(r.description, fmt.Sprintf("%s: a %s %s for %s work, made by an independent creator. Includes %s.",
		title, strings.ToLower(a), strings.ToLower(noun), strings.ToLower(s), strings.Join(tags, ", ")))
	r.vis, r.tags = append(r.vis, vis), append(r.tags, strings.Join(tags, ","))
	r.trending, r.created = append(r.trending, trending), append(r.created, created)
}

func (r *scaleRows) insert(ctx context.Context, db bun.IDB) error {
	_, err := db.NewRaw(`INSERT INTO products (tenant_id, category_id, price_cents, sales_count, rating_count, rating_sum,
			slug, title, description, visibility, tags, trending_score, created_at, updated_at, published_at)
		SELECT t, c, pr, s, rc, rs, sl, ti, de, vi, string_to_array(tg, ','), tr, cr, cr, CASE WHEN vi = 'draft' THEN NULL ELSE cr END
		FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::float8[], ?::timestamptz[])
			AS x(t, c, pr, s, rc, rs, sl, ti, de, vi, tg, tr, cr)`,
		pgdialect.Array(r.tenant), pgdialect.Array(r.category), pgdialect.Array(r.price), pgdialect.Array(r.sales),
		pgdialect.Array(r.ratingCount), pgdialect.Array(r.ratingSum), pgdialect.Array(r.slug), pgdialect.Array(r.title),
		pgdialect.Array(r.description), pgdialect.Array(r.vis), pgdialect.Array(r.tags), pgdialect.Array(r.trending),
		pgdialect.Array(r.created)).Exec(ctx)
	return err
}

// slugify turns a title into a product slug.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
