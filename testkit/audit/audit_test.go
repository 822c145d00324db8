// Package audit is `make audit`: Lighthouse (the npm devDependency, driving
// Debian's Chromium) on the main pages of a `claro dev` it starts, its
// scores written to docs/audit.md.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/testkit/peertest"
)

// categories are Lighthouse's four, as its report names them.
var categories = []struct{ id, title string }{
	{"performance", "Performance"}, {"accessibility", "Accessibility"},
	{"best-practices", "Best Practices"}, {"seo", "SEO"},
}

// target is the score every page should reach in every category.
const target = 95

// TestAudit is `make audit`. It is an audit run, not a unit test: without
// CLARO_AUDIT=1 it does nothing.
func TestAudit(t *testing.T) {
	if os.Getenv("CLARO_AUDIT") == "" {
		t.Skip("an audit run: use make audit")
	}
	modRoot := moduleRoot(t)
	lighthouse := filepath.Join(modRoot, "node_modules", ".bin", "lighthouse")
	if _, err := os.Stat(lighthouse); err != nil {
		t.Fatal("lighthouse is not installed: npm ci")
	}
	chrome := os.Getenv("CHROME_PATH")
	if chrome == "" {
		chrome = "/usr/bin/chromium"
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "claro")
	run(t, modRoot, "go", "build", "-o", bin, ".")

	port := peertest.FreePort(t)
	root := "claro.localhost:" + strconv.Itoa(port)
	srv := exec.Command(bin, "dev")
	srv.Dir = modRoot
	srv.Env = append(os.Environ(), "ROOT_DOMAIN="+root, "LISTEN_ADDR=127.0.0.1:"+strconv.Itoa(port))
	logf, err := os.Create(filepath.Join(dir, "dev.log"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = srv.Process.Kill()
		}
	}()

	market, shop := "http://"+root, "http://"+pagetourStore+"."+root
	waitFor200(t, market+"/", filepath.Join(dir, "dev.log"))

	// The buyer's library and the cart need a session and a cart cookie.
	buyer := newClient(port)
	buyer.signIn(t, market, "ana@claro.test")
	libraryItem := market + first(t, buyer.get(t, market+"/library"), `href="(/library/\d+)"`)
	visitor := newClient(port)
	product := first(t, visitor.get(t, shop+"/"), `class="card-link" href="([^"]+)"`)
	if strings.HasPrefix(product, "/") {
		product = shop + product
	}
	visitor.addToCart(t, shop, product)

	pages := []struct {
		name, url string
		jar       *client
	}{
		{"Marketplace home", market + "/", nil},
		{"Search", market + "/search?q=presets", nil},
		{"Storefront", shop + "/", nil},
		{"Product page", product, nil},
		{"Cart", shop + "/cart", visitor},
		{"Library item", libraryItem, buyer},
	}
	var rows []row
	runs := 3 // Lighthouse's advice: the median of several runs, as one run's timings vary
	if n, err := strconv.Atoi(os.Getenv("CLARO_AUDIT_RUNS")); err == nil && n > 0 {
		runs = n
	}
	for _, p := range pages {
		r := row{name: p.name, scores: map[string]int{}}
		u, _ := url.Parse(p.url)
		r.path = strings.Split(u.Host, ":")[0] + u.RequestURI()
		var reps []report
		for i := range runs {
			reps = append(reps, lighthouseRun(t, modRoot, lighthouse, chrome, p.url, p.jar,
				filepath.Join(dir, fmt.Sprintf("%d-%d.json", len(rows), i))))
		}
		sort.Slice(reps, func(i, j int) bool {
			return reps[i].Categories["performance"].Score < reps[j].Categories["performance"].Score
		})
		rep := reps[len(reps)/2] // the run of median performance
		for _, c := range categories {
			cat := rep.Categories[c.id]
			r.scores[c.id] = int(cat.Score*100 + 0.5)
			if r.scores[c.id] < 100 {
				r.misses = append(r.misses, fmt.Sprintf("%s %d: %s", c.title, r.scores[c.id], strings.Join(rep.failing(cat), "; ")))
			}
		}
		t.Logf("%s: %v", p.name, r.scores)
		rows = append(rows, r)
	}

	writeReport(t, modRoot, lighthouseVersion(t, modRoot, lighthouse), runs, rows)
}

type row struct {
	name, path string
	scores     map[string]int
	misses     []string
}

// lighthouseRun runs Lighthouse once on u (with jar's cookies) and reads its report.
func lighthouseRun(t *testing.T, modRoot, lighthouse, chrome, u string, jar *client, out string) report {
	t.Helper()
	args := []string{u, "--output=json", "--output-path=" + out, "--quiet",
		"--only-categories=performance,accessibility,best-practices,seo",
		"--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"}
	if jar != nil {
		h, _ := json.Marshal(map[string]string{"Cookie": jar.cookieHeader(u)})
		args = append(args, "--extra-headers="+string(h))
	}
	cmd := exec.Command(lighthouse, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = modRoot, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chrome)
	if err := cmd.Run(); err != nil {
		t.Fatalf("lighthouse %s: %v", u, err)
	}
	return readReport(t, out)
}

func writeReport(t *testing.T, modRoot, version string, runs int, rows []row) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Lighthouse audit\n\nWritten by `make audit`: Lighthouse %s (npm, `package.json`) on Debian's Chromium, "+
		"its default mobile run (a mid-range phone on a throttled 4G link), against `claro dev` on the demo data; "+
		"each page run %d times, the run of median Performance shown. "+
		"Target: at least %d in every category on every page.\n\n", version, runs, target)
	b.WriteString("| page | address | Performance | Accessibility | Best Practices | SEO |\n|---|---|---|---|---|---|\n")
	var misses []string
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | `%s` |", r.name, r.path)
		for _, c := range categories {
			mark := ""
			if r.scores[c.id] < target {
				mark = " (below target)"
			}
			fmt.Fprintf(&b, " %d%s |", r.scores[c.id], mark)
		}
		b.WriteString("\n")
		for _, m := range r.misses {
			misses = append(misses, "- "+r.name+", "+m)
		}
	}
	if len(misses) > 0 {
		b.WriteString("\n## Marked down\n\nWhat Lighthouse marked down wherever a score is under 100:\n\n" + strings.Join(misses, "\n") + "\n")
	}
	fmt.Fprintf(&b, "\nRun %s.\n", time.Now().UTC().Format("2006-01-02"))
	if err := os.WriteFile(filepath.Join(modRoot, "docs", "audit.md"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Print(b.String())
}

const pagetourStore = "northlight" // a demo store that takes payments

type report struct {
	Categories map[string]struct {
		Score     float64
		AuditRefs []struct {
			ID     string
			Weight float64
		}
	}
	Audits map[string]struct {
		Title string
		Score *float64
	}
}

func readReport(t *testing.T, path string) report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// failing lists the weighted audits of a category that did not pass,
// heaviest first.
func (r report) failing(cat struct {
	Score     float64
	AuditRefs []struct {
		ID     string
		Weight float64
	}
}) []string {
	refs := cat.AuditRefs
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].Weight > refs[j].Weight })
	var out []string
	for _, ref := range refs {
		a := r.Audits[ref.ID]
		if ref.Weight > 0 && a.Score != nil && *a.Score < 0.9 {
			out = append(out, fmt.Sprintf("%s (%.0f)", a.Title, *a.Score*100))
		}
	}
	return out
}

func lighthouseVersion(t *testing.T, dir, bin string) string {
	cmd := exec.Command(bin, "--version")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// client is a cookie-holding HTTP client that reaches every *.claro.localhost
// host on the dev server's port.
type client struct {
	*http.Client
	jar *cookiejar.Jar
}

func newClient(port int) *client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(port))
	}}
	return &client{Client: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}, jar: jar}
}

func (c *client) get(t *testing.T, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(b)
}

func (c *client) post(t *testing.T, u string, form url.Values) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	origin, _ := url.Parse(u)
	req.Header.Set("Origin", origin.Scheme+"://"+origin.Host)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		t.Fatalf("POST %s: %d", u, resp.StatusCode)
	}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// pageToken is the page's CSRF token: a signed-in page carries one, an
// anonymous page none (its forms are checked by their origin).
func pageToken(page string) string {
	if m := csrfMeta.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

func (c *client) signIn(t *testing.T, market, email string) {
	t.Helper()
	page := c.get(t, market+"/login")
	c.post(t, market+"/login", url.Values{"_csrf": {pageToken(page)}, "email": {email},
		"password": {seed.DemoPassword}, "next": {"/"}})
	if !strings.Contains(c.get(t, market+"/account"), email) {
		t.Fatalf("signing in as %s did not take", email)
	}
}

func (c *client) addToCart(t *testing.T, shop, product string) {
	t.Helper()
	page := c.get(t, product)
	c.post(t, shop+"/cart/items", url.Values{"_csrf": {pageToken(page)},
		"product_id": {first(t, page, `name="product_id" value="(\d+)"`)}})
}

func (c *client) cookieHeader(u string) string {
	pu, _ := url.Parse(u)
	var parts []string
	for _, k := range c.jar.Cookies(pu) {
		parts = append(parts, k.Name+"="+k.Value)
	}
	return strings.Join(parts, "; ")
}

func first(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in the page", re)
	}
	return m[1]
}

func waitFor200(t *testing.T, u, logPath string) {
	t.Helper()
	c := newClient(0)
	pu, _ := url.Parse(u)
	c.Client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+pu.Port())
	}}}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := c.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	log, _ := os.ReadFile(logPath)
	t.Fatalf("claro dev did not answer %s within 3 minutes; its log:\n%s", u, log)
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
}
