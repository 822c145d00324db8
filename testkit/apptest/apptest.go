// Package apptest builds the real Claro app on a package's test database, with
// helpers to make stores and products and to send requests to any host. Tests
// read as specifications on top of it.
package apptest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/claro-market/claro/tenants/edge"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/receipts"
)

// Root is the ROOT_DOMAIN tests run under.
const Root = "claro.test"

// Env is one app over one test database.
type Env struct {
	App *app.App
	DB  *dbtest.Database
}

// Config returns the test configuration; change it before New with opts.
func Config(tb testing.TB) config.Config {
	cfg, err := config.LoadFrom(func(k string) (string, bool) {
		switch k {
		case "APP_ENV":
			return config.EnvTest, true
		case "ROOT_DOMAIN":
			return Root, true
		case "SESSION_SECRET":
			return "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdA==", true
		}
		return "", false
	})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.BlobDir = tb.TempDir()
	return cfg
}

// New builds the app on td, discarding its log.
func New(tb testing.TB, td *dbtest.Database, opts ...func(*config.Config)) *Env {
	tb.Helper()
	return NewLogged(tb, td, io.Discard, opts...)
}

// NewLogged builds the app on td with its log written to w (for tests that
// assert on log lines).
func NewLogged(tb testing.TB, td *dbtest.Database, w io.Writer, opts ...func(*config.Config)) *Env {
	tb.Helper()
	return NewWith(tb, td, w, app.Overrides{}, opts...)
}

// NewWith builds the app on td through app.NewWith with ov (limiters, review
// limits, the draft client), its log written to w.
func NewWith(tb testing.TB, td *dbtest.Database, w io.Writer, ov app.Overrides, opts ...func(*config.Config)) *Env {
	tb.Helper()
	return NewWithLogger(tb, td, slog.New(slog.NewTextHandler(w, nil)), ov, opts...)
}

// NewWithLogger is NewWith with the app's logger given whole (benchmarks
// pass production's JSON handler, or slog.DiscardHandler to leave logging out).
func NewWithLogger(tb testing.TB, td *dbtest.Database, log *slog.Logger, ov app.Overrides, opts ...func(*config.Config)) *Env {
	tb.Helper()
	cfg := Config(tb)
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.NewWith(cfg, td.DB, log, ov)
	if err != nil {
		tb.Fatal(err)
	}
	listen(tb, a)
	return &Env{App: a, DB: td}
}

// SendPartial serves the app on a loopback socket and sends it head (the
// request line and headers, ending in a blank line) and then body, which
// may be only the start of what head's Content-Length announces; it returns
// the answer. It is for refusals that must come before a body is read:
// net/http would send the whole body, and the server's close after its
// early answer could reset the connection before the answer was read.
func (e *Env) SendPartial(tb testing.TB, head string, body []byte) *http.Response {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go e.App.Fiber.Listener(edge.QuietDeadlines(ln)) //nolint:errcheck // ends with Shutdown
	tb.Cleanup(func() { _ = e.App.Fiber.Shutdown() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.Write(body); err != nil {
		tb.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// Do sends req through the real Fiber app.
func (e *Env) Do(tb testing.TB, req *http.Request) (*http.Response, string) {
	tb.Helper()
	resp, err := e.App.Fiber.Test(req, -1)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp, string(b)
}

// NotFound is the 404 page of host ("" for the marketplace) as an unknown
// URL gets it: each host's 404 is the same bytes whatever the cause, and
// differs between hosts (the marketplace's, a store's own, and hosts no
// store owns). Tests compare every other cause against it.
func (e *Env) NotFound(tb testing.TB, host string) string {
	tb.Helper()
	resp, body := e.Get(tb, host, "/no-such-page-"+Unique("nf"))
	if resp.StatusCode != http.StatusNotFound {
		tb.Fatalf("an unknown URL on %q: %d", host, resp.StatusCode)
	}
	return body
}

// Get requests path on host (host "" is the marketplace); headers come in
// name, value pairs.
func (e *Env) Get(tb testing.TB, host, path string, headers ...string) (*http.Response, string) {
	tb.Helper()
	if host == "" {
		host = Root
	}
	req := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.Do(tb, req)
}

// StoreHost is a store's subdomain host.
func StoreHost(slug string) string { return slug + "." + Root }

var (
	seq atomic.Int64
	// run tells this test binary's names from another's: peers such as
	// Mailpit, Redis and Meilisearch are shared by every package and by
	// every -count repetition.
	run = func() string {
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}()
)

// Unique returns a name (a valid slug) unique to this call: the prefix, a
// sequence number and a random tag drawn once per test binary. Tests name
// their stores, products and accounts with it so that they pass when run
// again (-count=2), in any order (-shuffle=on), against a shared peer.
func Unique(prefix string) string { return fmt.Sprintf("%s%d%s", prefix, seq.Add(1), run) }

// Email returns an address unique to this call, for sign-ups and buyers.
func Email(name string) string { return Unique(name) + "@example.com" }

// Query returns the value of one query parameter of a URL found in a page.
func Query(tb testing.TB, rawURL, name string) string {
	tb.Helper()
	u, err := url.Parse(strings.ReplaceAll(rawURL, "&amp;", "&"))
	if err != nil {
		tb.Fatal(err)
	}
	return u.Query().Get(name)
}

// Browser is a test client with a cookie jar that follows cookie domain rules,
// and knows how to pick up a page's CSRF token.
type Browser struct {
	env *Env
	Jar *cookiejar.Jar
	// Header is added to every request (e.g. X-Forwarded-For).
	Header http.Header
}

// NewBrowser returns a browser with an empty jar.
func (e *Env) NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{env: e, Jar: jar, Header: http.Header{}}
}

// Do sends req with the jar's cookies and stores the ones set in the answer.
func (b *Browser) Do(tb testing.TB, req *http.Request) (*http.Response, string) {
	tb.Helper()
	for _, c := range b.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	for k, v := range b.Header {
		req.Header[k] = v
	}
	resp, body := b.env.Do(tb, req)
	b.Jar.SetCookies(req.URL, resp.Cookies())
	return resp, body
}

// Get fetches http://host/path.
func (b *Browser) Get(tb testing.TB, host, path string) (*http.Response, string) {
	tb.Helper()
	if host == "" {
		host = Root
	}
	req := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
	req.Host = host
	return b.Do(tb, req)
}

// PostForm posts form to http://host/path as a same-origin browser would.
func (b *Browser) PostForm(tb testing.TB, host, path string, form url.Values) (*http.Response, string) {
	tb.Helper()
	if host == "" {
		host = Root
	}
	req := httptest.NewRequest(http.MethodPost, "http://"+host+path, strings.NewReader(form.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+host)
	return b.Do(tb, req)
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// CSRF loads path on host and returns the page's CSRF token: a signed-in
// page's, or "" for an anonymous page, which carries none (anonymous writes
// are checked by their origin alone, see web.CSRF). A signed-in page
// without one fails the test.
func (b *Browser) CSRF(tb testing.TB, host, path string) string {
	tb.Helper()
	_, body := b.Get(tb, host, path)
	m := csrfMeta.FindStringSubmatch(body)
	if m == nil || m[1] == "" {
		if strings.Contains(body, "Sign out") {
			tb.Fatalf("no csrf-token meta tag on signed-in page %s%s", host, path)
		}
		return ""
	}
	return m[1]
}

// SignUp creates an account through the real form, then opens the
// verification link the app mailed (read from its mailbox), as the owner of
// the address would: the browser is left signed in, the address verified.
func (b *Browser) SignUp(tb testing.TB, email, password, name string) {
	tb.Helper()
	b.SignUpUnverified(tb, email, password, name)
	link := b.env.MailLink(tb, email, "/verify")
	if resp, body := b.Get(tb, "", link); resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("verification link: status %d\n%s", resp.StatusCode, body)
	}
}

// SignUpUnverified posts the sign-up form and expects "check your inbox":
// the account exists, unverified, and the browser is not signed in.
func (b *Browser) SignUpUnverified(tb testing.TB, email, password, name string) {
	tb.Helper()
	token := b.CSRF(tb, "", "/signup")
	resp, body := b.PostForm(tb, "", "/signup", url.Values{"_csrf": {token}, "email": {email}, "password": {password}, "name": {name}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your inbox") {
		tb.Fatalf("sign-up: status %d, want 200 and \"Check your inbox\"\n%s", resp.StatusCode, body)
	}
}

// SignIn signs the browser in through the real form.
func (b *Browser) SignIn(tb testing.TB, email, password string) {
	tb.Helper()
	token := b.CSRF(tb, "", "/login")
	resp, body := b.PostForm(tb, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("sign-in: status %d\n%s", resp.StatusCode, body)
	}
}

// Mail returns the messages the app sent to address that its mailbox still
// holds (every message, outside production), newest first.
func (e *Env) Mail(tb testing.TB, address string) []receipts.Sent {
	tb.Helper()
	if e.App.Mailbox == nil {
		tb.Fatal("apptest: the app keeps no mailbox (production configuration)")
	}
	var out []receipts.Sent
	for _, m := range e.App.Mailbox.Recent() {
		if strings.EqualFold(m.To, address) {
			out = append(out, m)
		}
	}
	return out
}

var mailURL = regexp.MustCompile(`https?://[^\s<>"]+`)

// Links returns the URLs in a message's text whose path is path, in order.
func Links(text, path string) []*url.URL {
	var out []*url.URL
	for _, raw := range mailURL.FindAllString(text, -1) {
		if u, err := url.Parse(raw); err == nil && u.Path == path {
			out = append(out, u)
		}
	}
	return out
}

// MailLink returns the newest link to path in the app's mail to address,
// as a path and query to request on the marketplace; it fails tb when there
// is none.
func (e *Env) MailLink(tb testing.TB, address, path string) string {
	tb.Helper()
	for _, m := range e.Mail(tb, address) {
		if links := Links(m.Text, path); len(links) > 0 {
			return links[0].RequestURI()
		}
	}
	tb.Fatalf("apptest: no mail to %s with a link to %s", address, path)
	return ""
}

// The listing contract: every product card carries
// data-product-id, and the next page of an infinite list is the "Load more"
// link: a real href (it works without JavaScript), which htmx also fetches.
var (
	cardIDs  = regexp.MustCompile(`data-product-id="(\d+)"`)
	nextPage = regexp.MustCompile(`class="load-more" href="([^"]+)"`)
)

// CardIDs returns the product ids of a listing's cards, in page order.
func CardIDs(body string) []string {
	var out []string
	for _, m := range cardIDs.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// NextPage returns the href of the listing's "Load more" link, or "".
func NextPage(body string) string {
	m := nextPage.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}
