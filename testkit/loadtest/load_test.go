package loadtest

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/testkit/peertest"
	"github.com/gofiber/fiber/v2"
	_ "github.com/jackc/pgx/v5/stdlib"
)

const root = "claro.bench"

// TestLoad is `make bench`. It is a load run, not a unit test: without
// CLARO_LOAD=1 it does nothing.
func TestLoad(t *testing.T) {
	if os.Getenv("CLARO_LOAD") == "" {
		t.Skip("a load run: use make bench")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk is needed: apt-get install wrk")
	}
	n := envInt("CLARO_BENCH_N", 100_000)
	dur := time.Duration(envInt("CLARO_BENCH_SECONDS", 10)) * time.Second
	warm := time.Duration(envInt("CLARO_BENCH_WARMUP_SECONDS", 2)) * time.Second
	dir := t.TempDir()
	modRoot := moduleRoot(t)

	// CLARO_BENCH_BIN runs a claro binary built elsewhere (another commit),
	// so two trees can be measured back to back on the same catalog.
	bin := os.Getenv("CLARO_BENCH_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "claro")
		run(t, modRoot, nil, "go", "build", "-o", bin, ".")
	}
	dbURL := benchDatabase(t)
	env := []string{"DATABASE_URL=" + dbURL}
	run(t, modRoot, env, bin, "migrate", "up")
	sqldb, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	var have int
	must(t, sqldb.QueryRow(`SELECT count(*) FROM products`).Scan(&have))
	if have < n {
		t.Logf("seeding %d products (have %d)", n-have, have)
		run(t, modRoot, env, bin, "seed", "--scale", strconv.Itoa(n-have))
	} else {
		t.Logf("reusing the catalog of %d products", have)
	}
	// What autovacuum does on a live database, done now: this machine's
	// PostgreSQL may run without it, and a freshly seeded catalog (and its
	// drained search outbox) would otherwise be measured with no visibility
	// map and 100,000 dead outbox rows.
	_, err = sqldb.Exec(`VACUUM ANALYZE`)
	must(t, err)
	var store, product, category string
	var productID int64
	must(t, sqldb.QueryRow(`SELECT t.slug FROM tenants t JOIN products p ON p.tenant_id = t.id
		WHERE t.status = 'active' AND t.charges_enabled AND p.visibility IN ('public','private') AND p.deleted_at IS NULL
		GROUP BY t.slug ORDER BY count(*) DESC LIMIT 1`).Scan(&store))
	must(t, sqldb.QueryRow(`SELECT p.slug, p.id FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE t.slug = $1 AND p.visibility = 'public' AND p.deleted_at IS NULL ORDER BY p.id LIMIT 1`, store).Scan(&product, &productID))
	must(t, sqldb.QueryRow(`SELECT c.slug FROM categories c JOIN products p ON p.category_id = c.id
		GROUP BY c.slug ORDER BY count(*) DESC LIMIT 1`).Scan(&category))

	// Start claro serve in production mode and time it to its first 200.
	srv := startServe(t, bin, env, dir)
	defer srv.stop()
	base, startup, peak := srv.base, srv.startup, srv.peak

	storeHost := store + "." + root
	page := get(t, base+"/", storeHost, nil)
	ceilingPort := peertest.FreePort(t)
	ceiling := fiber.New(fiber.Config{DisableStartupMessage: true})
	ceiling.Get("/", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(page)
	})
	go ceiling.Listen("127.0.0.1:" + strconv.Itoa(ceilingPort)) //nolint:errcheck
	defer ceiling.Shutdown()
	waitFor200(t, "http://127.0.0.1:"+strconv.Itoa(ceilingPort)+"/", root, time.Now())

	cartReq := cartRequest(t, base, storeHost, productID)
	page2, page200 := deepCursor(t, base, 2), deepCursor(t, base, 200)
	// A new query every request: ten words in turn, and a price cap that
	// never repeats (3000 and up), so the page cache never answers.
	uncached := Request{URL: base + "/", Host: root, Unique: "/search?q=%s&category=" + category + "&max_price=%d",
		UniqueWords: []string{"presets", "ebook", "fonts", "guide", "course", "template", "film", "portrait", "music", "icons"}}

	// A new misspelt query every request: one typo in each word (a
	// transposition, a dropped or doubled letter, never the first letter),
	// each word of the scale catalog's titles and tags.
	typos := uncached
	typos.UniqueWords = []string{"prestes", "gudie", "fonst", "guied", "cuorse", "tempalte", "coastl", "protrait", "muisc", "icnos"}

	// The header box as someone types: a prefix of a catalog word each
	// request, never the same address twice (n is ignored but keys the cache).
	suggest := Request{URL: base + "/", Host: root, Unique: "/search/suggest?q=%s&n=%d",
		UniqueWords: []string{"pres", "coast", "portr", "temp", "font", "cour", "guid", "icon", "musi", "nord"}}

	type target struct {
		name    string
		req     Request
		conns   int
		ceiling bool // a same-bytes ceiling: the target after it is measured against it
	}
	// The page targets ask for compression as browsers do, and each is
	// measured right after a ceiling sending its own bytes and headers.
	gz := map[string]string{"Accept-Encoding": browserEncoding}
	pages := []target{
		{name: "marketplace home", req: Request{URL: base + "/", Host: root, Headers: gz}, conns: 64},
		{name: "storefront home", req: Request{URL: base + "/", Host: storeHost, Headers: gz}, conns: 64},
		{name: "product page", req: Request{URL: base + "/products/" + product, Host: storeHost, Headers: gz}, conns: 64},
		// At 64 connections like the other pages (the targets are
		// all at 64): at 16, the cached search read 0.87 to 0.89 of its
		// ceiling where at 64 it read 0.94 to 0.95 (alternately, minutes
		// apart), the server's fixed cost per request showing more when
		// fewer connections wait.
		{name: "search: text + 2 filters + facets (PostgreSQL)", req: Request{URL: base + "/search?q=presets&category=" + category + "&max_price=5000", Host: root, Headers: gz}, conns: 64},
	}
	var same sameBytes
	captured := make([]int, len(pages))
	for i, pg := range pages {
		get(t, pg.req.URL, pg.req.Host, nil) // fill the page cache first: the ceiling replays the cached answer
		captured[i] = same.capture(t, pg.req)
	}
	same.start(t)
	defer same.app.Shutdown()
	targets := []target{
		{name: "ceiling: bare Fiber, static page of the storefront's size", req: Request{URL: "http://127.0.0.1:" + strconv.Itoa(ceilingPort) + "/", Host: root}, conns: 64},
	}
	for i, pg := range pages {
		targets = append(targets,
			target{name: fmt.Sprintf("ceiling: the %s's own bytes and headers (%d B)", pg.name, same.size(captured[i])),
				req: same.request(captured[i], pg.req), conns: pg.conns, ceiling: true},
			target{name: pg.name + ", compressed", req: pg.req, conns: pg.conns})
	}
	targets = append(targets,
		target{name: "search: text + 2 filters + facets, a new query each time (uncached)", req: uncached, conns: 16},
		target{name: "search: a new misspelt query each time (uncached, typos corrected)", req: typos, conns: 16},
		target{name: "search: instant suggestions, a new prefix each time (uncached)", req: suggest, conns: 16},
		target{name: "search sort newest, page 2 (next-page fragment)", req: Request{URL: base + page2, Host: root, Headers: map[string]string{"HX-Request": "true"}}, conns: 16},
		target{name: "search sort newest, page 200 (next-page fragment)", req: Request{URL: base + page200, Host: root, Headers: map[string]string{"HX-Request": "true"}}, conns: 16},
		target{name: "POST /cart/items", req: cartReq, conns: 64},
	)
	var results []Result
	var ceilingRPS float64
	only := os.Getenv("CLARO_BENCH_ONLY") // a substring of target names, for a quick look at one
	warmUp := func(tg target) {
		if warm > 0 {
			// The same load first, unmeasured: the server's connection pool
			// fills, and each new PostgreSQL backend pays its first touches
			// of shared memory and its catalog caches here, not in the run.
			wreq := tg.req
			wreq.UniqueFrom = 1 << 20
			if _, err := Wrk(dir, tg.name+" warm-up", wreq, tg.conns, warm); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A page and its own ceiling alternate in rounds (their time split
	// between them alike): on a machine shared with wrk, whose speed drifts
	// from one ten seconds to the next, one run of each put the drift in
	// the ratio (the same build measured 0.71 and 0.90 in two runs).
	// wrk takes whole seconds: the default 5 rounds split the default 10 s
	// into 2 s each, so each side gets the time a lone target does.
	rounds := envInt("CLARO_BENCH_ROUNDS", 5)
	roundDur := max(dur/time.Duration(rounds), 2*time.Second).Truncate(time.Second)
	run := func(tg target, d time.Duration) Result {
		r, err := Wrk(dir, tg.name, tg.req, tg.conns, d)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for i := 0; i < len(targets); i++ {
		tg := targets[i]
		if only != "" && i > 0 && !strings.Contains(tg.name, only) && !(tg.ceiling && strings.Contains(targets[i+1].name, only)) {
			continue
		}
		if tg.ceiling {
			pg := targets[i+1]
			warmUp(tg)
			warmUp(pg)
			var cs, ps []Result
			for range rounds {
				cs = append(cs, run(tg, roundDur))
				ps = append(ps, run(pg, roundDur))
			}
			c, p := Combine(cs), Combine(ps)
			c.Ceiling, p.Ceiling = c.RPS, c.RPS
			results = append(results, c, p)
			t.Logf("%s: %.0f req/s over %d rounds; its ceiling %.0f: %.2f", p.Target, p.RPS, rounds, c.RPS, p.Ratio())
			i++
			continue
		}
		warmUp(tg)
		r := run(tg, dur)
		switch {
		case ceilingRPS == 0:
			ceilingRPS = r.RPS
			r.Ceiling = r.RPS
		default:
			r.Ceiling = ceilingRPS
		}
		results = append(results, r)
		t.Logf("%s: %.0f req/s, p99 %s, errors %d", r.Target, r.RPS, ms(r.P99), r.Errors)
	}
	rss := peak()
	report := fmt.Sprintf("%s\nPeak RSS of claro serve under load: %.1f MB. Start to first 200: %s (migrations excluded).\n",
		Table(results), float64(rss)/(1<<20), startup.Round(time.Millisecond))
	var p2, p200 *Result
	for i := range results {
		switch results[i].Target {
		case "search sort newest, page 2 (next-page fragment)":
			p2 = &results[i]
		case "search sort newest, page 200 (next-page fragment)":
			p200 = &results[i]
		}
	}
	if p2 != nil && p200 != nil && p2.P50 > 0 {
		report += fmt.Sprintf("Page 200 / page 2 of the newest sort: p50 %.2f, requests/s %.2f.\n",
			float64(p200.P50)/float64(p2.P50), p200.RPS/p2.RPS)
	}
	fmt.Println("\n" + report)
	doc := fmt.Sprintf("# Load benchmark\n\nLatest `make bench` run: %s, on %s (%d cores), %s. Catalog: %d products. "+
		"wrk, %s per target after %s of the same load unmeasured (the uncached search's warm-up uses other queries), "+
		"64 connections (16 for the uncached searches and the next-page fragments). Each page target asks for compression as a browser does and alternates with "+
		"its own ceiling, %d rounds of %s each (requests/s over all rounds, latencies the median round's): a bare Fiber server "+
		"sending that target's own bytes and headers, captured from claro serve (the ratio of a page is to its own ceiling). The first ceiling, a static page of the storefront page's size (%d bytes, "+
		"uncompressed), is what the other targets' ratios are to. All measured in the same run.\n\n%s",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), cpuModel(), runtime.NumCPU(), runtime.Version(), max(have, n), dur, warm,
		rounds, roundDur, len(page), report)
	if only == "" { // a partial run does not replace the whole table
		// The scale mode's cost curve (a run of its own) and the record of
		// earlier runs are kept.
		path := filepath.Join(modRoot, "docs", "bench.md")
		old, _ := os.ReadFile(path)
		must(t, os.WriteFile(path, []byte(doc+kept(string(old))), 0o644))
	}
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	must(t, err)
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
}

// benchDatabase is CLARO_BENCH_DATABASE_URL, or claro_bench on the test
// server, created once and reused so the catalog is seeded once.
func benchDatabase(t *testing.T) string {
	if u := os.Getenv("CLARO_BENCH_DATABASE_URL"); u != "" {
		return u
	}
	return namedDatabase(t, "claro_bench")
}

// namedDatabase is the database name on the test server, created if missing.
func namedDatabase(t *testing.T, name string) string {
	admin := dbtest.AdminURL()
	adb, err := sql.Open("pgx", admin)
	must(t, err)
	defer adb.Close()
	var exists bool
	must(t, adb.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists))
	if !exists {
		_, err = adb.Exec(`CREATE DATABASE ` + name)
		must(t, err)
	}
	u, err := url.Parse(admin)
	must(t, err)
	u.Path = "/" + name
	return u.String()
}

// serve is a claro serve process started by startServe.
type serve struct {
	base    string
	startup time.Duration
	peak    func() int64
	stop    func()
}

// startServe starts bin serve in production mode on the catalog env names,
// on a free loopback port, and times it to its first 200; its log goes to
// dir/serve.log.
func startServe(t *testing.T, bin string, env []string, dir string) *serve {
	port := peertest.FreePort(t)
	srv := exec.Command(bin, "serve")
	srv.Env = append(os.Environ(), env...)
	srv.Env = append(srv.Env, "APP_ENV=production", "ROOT_DOMAIN="+root, "LISTEN_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"SESSION_SECRET="+base64.StdEncoding.EncodeToString([]byte("bench-secret-bench-secret-bench!!")),
		"STRIPE_SECRET_KEY=sk_test_bench", "STRIPE_WEBHOOK_SECRET=whsec_bench", "STRIPE_CONNECT_WEBHOOK_SECRET=whsec_bench_connect",
		"STRIPE_API_BASE=http://127.0.0.1:9")
	srv.Stdout, srv.Stderr = io.Discard, os.Stderr
	if srvLog, err := os.OpenFile(filepath.Join(dir, "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		srv.Stderr = srvLog
	}
	s := &serve{base: "http://127.0.0.1:" + strconv.Itoa(port)}
	started := time.Now()
	must(t, srv.Start())
	s.stop = func() { _ = srv.Process.Signal(os.Interrupt); _ = srv.Wait() }
	s.startup = waitFor200(t, s.base+"/", root, started)
	s.peak = watchRSS(srv.Process.Pid)
	return s
}

func waitFor200(t *testing.T, u, host string, since time.Time) time.Duration {
	client := &http.Client{Timeout: time.Second}
	for i := 0; i < 30_000; i++ {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Host = host
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(since)
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%s never answered 200", u)
	return 0
}

func get(t *testing.T, u, host string, hdr map[string]string) []byte {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Host = host
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s (%s): %d", u, host, resp.StatusCode)
	}
	return b
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// cartRequest is an add-to-cart as a visitor's browser sends it from a
// storefront page: its cookies and its CSRF token, if the page has one.
func cartRequest(t *testing.T, base, host string, productID int64) Request {
	req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var cookies []string
	for _, c := range resp.Header.Values("Set-Cookie") {
		cookies = append(cookies, strings.SplitN(c, ";", 2)[0])
	}
	headers := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": strings.Join(cookies, "; "),
		"Origin": "https://" + host, "Sec-Fetch-Site": "same-origin", "HX-Request": "true"}
	if m := csrfMeta.FindSubmatch(body); m != nil { // an anonymous page carries none (an older build's did)
		headers["X-CSRF-Token"] = string(m[1])
	}
	return Request{Method: "POST", URL: base + "/cart/items", Host: host, Body: fmt.Sprintf("product_id=%d&quantity=1", productID),
		Headers: headers}
}

var nextCursor = regexp.MustCompile(`hx-get="(/search\?[^"]*cursor=[^"]+)"`)

// deepCursor follows the newest sort's next-page links to page n.
func deepCursor(t *testing.T, base string, n int) string {
	path := "/search?sort=newest"
	for i := 1; i < n; i++ {
		body := get(t, base+path, root, map[string]string{"HX-Request": "true"})
		m := nextCursor.FindSubmatch(body)
		if m == nil {
			t.Fatalf("page %d has no next page", i)
		}
		path = strings.ReplaceAll(string(m[1]), "&amp;", "&")
	}
	return path
}

// watchRSS samples the process's resident memory until the returned func is
// called, which returns the peak (VmHWM when readable).
func watchRSS(pid int) func() int64 {
	var peak atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	read := func(field string) int64 {
		f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return 0
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if v, ok := strings.CutPrefix(s.Text(), field+":"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				return kb << 10
			}
		}
		return 0
	}
	go func() {
		for ctx.Err() == nil {
			if r := read("VmRSS"); r > peak.Load() {
				peak.Store(r)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return func() int64 {
		cancel()
		return max(peak.Load(), read("VmHWM"))
	}
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}
