package loadtest

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The cost curve's block in docs/bench.md: make bench-scale replaces it, make
// bench keeps it.
const (
	curveBegin = "<!-- cost curve: written by make bench-scale -->"
	curveEnd   = "<!-- end of cost curve -->"
	// Everything from this line to the end of docs/bench.md is the dated
	// record of earlier runs and comparisons: make bench keeps it.
	historyBegin = "<!-- earlier runs: kept by make bench -->"
)

// kept is what make bench carries over from an old docs/bench.md, each
// part after a blank line: the cost-curve block, then the record of earlier
// runs from its marker to the end. A curve that sits inside that record comes
// with it, once.
func kept(old string) string {
	var out string
	h := strings.Index(old, historyBegin)
	i, j := strings.Index(old, curveBegin), strings.Index(old, curveEnd)
	if i >= 0 && j > i && (h < 0 || i < h) {
		out = "\n" + old[i:j+len(curveEnd)] + "\n"
	}
	if h >= 0 {
		out += "\n" + old[h:]
	}
	return out
}

// withCurve is doc with its cost-curve block replaced by block (or block
// appended when doc has none).
func withCurve(doc, block string) string {
	block = curveBegin + "\n" + block + curveEnd
	i, j := strings.Index(doc, curveBegin), strings.Index(doc, curveEnd)
	if i < 0 || j < i {
		if h := strings.Index(doc, historyBegin); h >= 0 { // before the record of earlier runs
			return doc[:h] + block + "\n\n" + doc[h:]
		}
		return strings.TrimRight(doc, "\n") + "\n\n" + block + "\n"
	}
	return doc[:i] + block + doc[j+len(curveEnd):]
}

// scaleTarget is one search target of the scale mode.
type scaleTarget struct {
	name  string
	req   func(base string) Request
	conns int
}

// TestLoadScale is `make bench-scale`: the search targets at each catalog
// size of CLARO_BENCH_SCALES (10,000, 100,000 and 1,000,000 products unless
// said), each size in a database of its own (claro_bench_<n>, seeded once and
// reused), against one claro serve per size. It writes the curve to
// docs/bench.md. Without CLARO_LOAD_SCALE=1 it does nothing.
func TestLoadScale(t *testing.T) {
	if os.Getenv("CLARO_LOAD_SCALE") == "" {
		t.Skip("a load run: use make bench-scale")
	}
	var scales []int
	for _, f := range strings.Split(envString("CLARO_BENCH_SCALES", "10000,100000,1000000"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			t.Fatalf("CLARO_BENCH_SCALES: %q is not a product count", f)
		}
		scales = append(scales, n)
	}
	dur := time.Duration(envInt("CLARO_BENCH_SECONDS", 10)) * time.Second
	warm := time.Duration(envInt("CLARO_BENCH_WARMUP_SECONDS", 2)) * time.Second
	dir, modRoot := t.TempDir(), moduleRoot(t)
	bin := os.Getenv("CLARO_BENCH_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "claro")
		run(t, modRoot, nil, "go", "build", "-o", bin, ".")
	}
	words := []string{"presets", "ebook", "fonts", "guide", "course", "template", "film", "portrait", "music", "icons"}
	var category string // each size's largest category, as make bench filters by
	targets := []scaleTarget{
		{"text + 2 filters + facets, cached", func(base string) Request {
			return Request{URL: base + "/search?q=presets&category=" + category + "&max_price=5000", Host: root}
		}, 16},
		{"text + 2 filters + facets, a new query each time", func(base string) Request {
			return Request{URL: base + "/", Host: root, Unique: "/search?q=%s&category=" + category + "&max_price=%d", UniqueWords: words}
		}, 16},
		{"a new misspelt query each time", func(base string) Request {
			return Request{URL: base + "/", Host: root, Unique: "/search?q=%s&category=" + category + "&max_price=%d",
				UniqueWords: []string{"prestes", "gudie", "fonst", "guied", "cuorse", "tempalte", "coastl", "protrait", "muisc", "icnos"}}
		}, 16},
		{"instant suggestions, a new prefix each time", func(base string) Request {
			return Request{URL: base + "/", Host: root, Unique: "/search/suggest?q=%s&n=%d",
				UniqueWords: []string{"pres", "coast", "portr", "temp", "font", "cour", "guid", "icon", "musi", "nord"}}
		}, 16},
	}
	type sizeRun struct {
		n         int
		seeded    time.Duration // 0: the catalog was there
		results   []Result
		p2, p500  Result
		deep      int // the deep page's number: 500, or the last page of a smaller catalog
		rss       int64
		startup   time.Duration
		matchesOf string
	}
	var runs []sizeRun
	for _, n := range scales {
		sr := sizeRun{n: n}
		dbURL := namedDatabase(t, fmt.Sprintf("claro_bench_%d", n))
		env := []string{"DATABASE_URL=" + dbURL}
		run(t, modRoot, env, bin, "migrate", "up")
		sqldb, err := sql.Open("pgx", dbURL)
		must(t, err)
		var have int
		must(t, sqldb.QueryRow(`SELECT count(*) FROM products`).Scan(&have))
		if have < n {
			t.Logf("%d products: seeding %d (have %d)", n, n-have, have)
			began := time.Now()
			run(t, modRoot, env, bin, "seed", "--scale", strconv.Itoa(n-have))
			sr.seeded = time.Since(began)
		}
		// The seed's rows in the search outbox mean nothing to the PostgreSQL
		// backend (its index is the table), but serve would spend the run
		// deleting a million of them: drop them, then do what autovacuum does.
		_, err = sqldb.Exec(`TRUNCATE search_outbox`)
		must(t, err)
		_, err = sqldb.Exec(`VACUUM ANALYZE`)
		must(t, err)
		var share float64
		must(t, sqldb.QueryRow(`SELECT coalesce(avg((p._search_vector @@ to_tsquery('english', 'presets'))::int), 0)
			FROM products p WHERE p.visibility = 'public'`).Scan(&share))
		sr.matchesOf = fmt.Sprintf("%.0f%%", 100*share)
		must(t, sqldb.QueryRow(`SELECT c.slug FROM categories c JOIN products p ON p.category_id = c.id
			GROUP BY c.slug ORDER BY count(*) DESC LIMIT 1`).Scan(&category))
		sqldb.Close()

		srv := startServe(t, bin, env, dir)
		sr.startup = srv.startup
		for _, tg := range targets {
			req := tg.req(srv.base)
			if req.Unique == "" {
				get(t, req.URL, req.Host, nil)
			}
			sr.results = append(sr.results, measure(t, dir, fmt.Sprintf("%d products: %s", n, tg.name), req, tg.conns, warm, dur))
		}
		hx := map[string]string{"HX-Request": "true"}
		sr.p2 = measure(t, dir, fmt.Sprintf("%d products: sort newest, page 2", n),
			Request{URL: srv.base + deepCursor(t, srv.base, 2), Host: root, Headers: hx}, 16, warm, dur)
		deep, page := deepestCursor(t, srv.base, 500)
		sr.deep = page
		sr.p500 = measure(t, dir, fmt.Sprintf("%d products: sort newest, page %d", n, page),
			Request{URL: srv.base + deep, Host: root, Headers: hx}, 16, warm, dur)
		sr.rss = srv.peak()
		srv.stop()
		runs = append(runs, sr)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "## Cost curve: search from %s to %s products\n\n", thousands(scales[0]), thousands(scales[len(scales)-1]))
	fmt.Fprintf(&b, "Latest `make bench-scale` run: %s, on %s (%d cores), %s. For each size, a catalog of its own "+
		"(`claro seed --scale N`) and one `claro serve`; wrk, %s per target after %s of the same load unmeasured, 16 connections. "+
		"Cells are requests/s and p95.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), cpuModel(), runtime.NumCPU(), runtime.Version(), dur, warm)
	b.WriteString("| target |")
	for _, r := range runs {
		fmt.Fprintf(&b, " %s products |", thousands(r.n))
	}
	b.WriteString("\n|---|")
	for range runs {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	row := func(name string, pick func(sizeRun) Result) {
		fmt.Fprintf(&b, "| %s |", name)
		for _, r := range runs {
			res := pick(r)
			errs := ""
			if res.Errors > 0 {
				errs = fmt.Sprintf(" (%d errors)", res.Errors)
			}
			fmt.Fprintf(&b, " %.0f req/s, %s%s |", res.RPS, ms(res.P95), errs)
		}
		b.WriteString("\n")
	}
	for i, tg := range targets {
		row(tg.name, func(r sizeRun) Result { return r.results[i] })
	}
	row("sort newest, page 2 (next-page fragment)", func(r sizeRun) Result { return r.p2 })
	row("sort newest, page 500 (next-page fragment; a smaller catalog's last page)", func(r sizeRun) Result { return r.p500 })
	b.WriteString("| deep page / page 2, p95 |")
	for _, r := range runs {
		fmt.Fprintf(&b, " %.2f (page %d) |", ratio(r.p500.P95, r.p2.P95), r.deep)
	}
	b.WriteString("\n| peak RSS of claro serve |")
	for _, r := range runs {
		fmt.Fprintf(&b, " %.1f MB |", float64(r.rss)/(1<<20))
	}
	b.WriteString("\n| start to first 200 |")
	for _, r := range runs {
		fmt.Fprintf(&b, " %s |", r.startup.Round(time.Millisecond))
	}
	b.WriteString("\n| `claro seed --scale N` |")
	for _, r := range runs {
		if r.seeded == 0 {
			b.WriteString(" (reused) |")
		} else {
			fmt.Fprintf(&b, " %s |", r.seeded.Round(time.Second))
		}
	}
	b.WriteString("\n| public products matching \"presets\" |")
	for _, r := range runs {
		fmt.Fprintf(&b, " %s |", r.matchesOf)
	}
	b.WriteString("\n\n")
	// Each size against the one before it: the curve's slope.
	for i := 1; i < len(runs); i++ {
		a, z := runs[i-1], runs[i]
		fmt.Fprintf(&b, "%s / %s products, p95:", thousands(z.n), thousands(a.n))
		for j, tg := range targets {
			fmt.Fprintf(&b, " %s %.2f;", tg.name, ratio(z.results[j].P95, a.results[j].P95))
		}
		fmt.Fprintf(&b, " deep page %.2f.\n", ratio(z.p500.P95, a.p500.P95))
	}
	fmt.Println("\n" + b.String())
	path := filepath.Join(modRoot, "docs", "bench.md")
	old, _ := os.ReadFile(path)
	must(t, os.WriteFile(path, []byte(withCurve(string(old), b.String())), 0o644))
}

// measure runs the warm-up and the measured wrk run of one target.
func measure(t *testing.T, dir, name string, req Request, conns int, warm, dur time.Duration) Result {
	if warm > 0 {
		wreq := req
		wreq.UniqueFrom = 1 << 20
		if _, err := Wrk(dir, name+" warm-up", wreq, conns, warm); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Wrk(dir, name, req, conns, dur)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %.0f req/s, p95 %s, errors %d", name, r.RPS, ms(r.P95), r.Errors)
	return r
}

// deepestCursor follows the newest sort's next-page links to page n, or to
// the last page when there are fewer, and says which page it reached.
func deepestCursor(t *testing.T, base string, n int) (string, int) {
	path := "/search?sort=newest"
	for i := 1; i < n; i++ {
		m := nextCursor.FindSubmatch(get(t, base+path, root, map[string]string{"HX-Request": "true"}))
		if m == nil {
			return path, i
		}
		path = strings.ReplaceAll(string(m[1]), "&amp;", "&")
	}
	return path, n
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func envString(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// thousands is n with a comma every three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
