package seed

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/search"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// scaleBatch is how many products one COPY carries.
const scaleBatch = 5000

// Scale adds a large, believable catalog for load tests: n products across
// n/100 stores (at least one), drawn from a fixed seed so two runs of the same
// size look alike. Prices cluster on real price points, sales follow a power
// law (most products sell little, a few sell thousands), ratings grow with
// sales around 4.3 stars, and trending scores follow each product's last
// sales. Titles, tags and descriptions draw their words from thousands
// (scaleVocabulary) with a Zipf-like frequency, so searches meet both very
// common words and rare ones. About 90% of products are public; a few stores
// cannot take payments or are suspended, so eligibility has something to
// exclude. Products go in by COPY, scaleBatch rows at a time; progress is
// drawn on out. It can run on a non-empty database: names carry a run suffix.
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
	vocab := newZipfWords(scaleVocabulary(), rng)
	for start := 0; start < n; start += scaleBatch {
		rows := newScaleRows(min(scaleBatch, n-start))
		for i := start; i < start+rows.cap; i++ {
			rows.add(i, stores[rng.IntN(len(stores))], kinds[rng.IntN(len(kinds))], cats, now, rng, vocab)
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

// scaleColumns are the products columns a scale batch copies.
var scaleColumns = []string{"tenant_id", "category_id", "price_cents", "sales_count", "rating_count", "rating_sum",
	"slug", "title", "description", "visibility", "tags", "trending_score", "created_at", "updated_at", "published_at"}

// scaleRows is one batch of products, as COPY rows in scaleColumns' order.
type scaleRows struct {
	cap  int
	rows [][]any
}

func newScaleRows(n int) *scaleRows { return &scaleRows{cap: n, rows: make([][]any, 0, n)} }

func (r *scaleRows) add(i int, tenant int64, k scaleKind, cats map[string]int64, now time.Time, rng *rand.Rand, vocab *zipfWords) {
	// Two words of the Zipf vocabulary and the kind's noun: "Coastal Film
	// Presets" for the common words, "Brealo Stoux Presets" for the tail.
	a, s, noun := vocab.next(), vocab.next(), k.Nouns[rng.IntN(len(k.Nouns))]
	for s == a {
		s = vocab.next()
	}
	title := fmt.Sprintf("%s %s %s", titleCase(a), titleCase(s), noun)
	if rng.Float64() < 0.15 {
		title += fmt.Sprintf(" Vol. %d", 2+rng.IntN(4))
	}
	tags := []string{k.Tags[rng.IntN(len(k.Tags))]}
	for len(tags) < 2+rng.IntN(3) {
		if t := k.Tags[rng.IntN(len(k.Tags))]; !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if w := vocab.next(); rng.Float64() < 0.3 && !slices.Contains(tags, w) {
		tags = append(tags, w)
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
	// A sentence of the vocabulary's words, so descriptions meet both the
	// very common words and the rare ones.
	more := make([]string, 4+rng.IntN(8))
	for j := range more {
		more[j] = vocab.next()
	}
	description := fmt.Sprintf("%s: a %s %s for %s work, made by an independent creator. Includes %s. %s.",
		title, a, strings.ToLower(noun), s, strings.Join(tags, ", "), titleCase(strings.Join(more, " ")))
	var published any = created
	if vis == "draft" {
		published = nil
	}
	r.rows = append(r.rows, []any{tenant, cats[k.Category], price, sales, ratings, int64(math.Round(stars * float64(ratings))),
		slugify(title) + "-" + strconv.Itoa(i), title, description, vis, tags, trending, created, created, published})
}

// insert copies the batch in (COPY, one statement: the products triggers
// keep the search outbox and vocabulary in step as for any insert).
func (r *scaleRows) insert(ctx context.Context, db *bun.DB) error {
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		// A batch and its triggers may outlast the pool's statement timeout
		// on a loaded machine: lift it for this transaction only.
		return pgx.BeginFunc(ctx, dc.(*stdlib.Conn).Conn(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"products"}, scaleColumns, pgx.CopyFromRows(r.rows))
			return err
		})
	})
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
