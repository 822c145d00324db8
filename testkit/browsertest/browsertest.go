// Package browsertest runs the real app on a loopback port and drives it from a
// headless Chromium with chromedp, so tests can see what htmx and the page's
// scripts actually do.
//
// A browser test listens first, because the root domain (with its port) must be
// in the configuration the app is built from:
//
//	ln, root := browsertest.Listen(t)
//	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
//	browsertest.Start(t, e.App.Fiber, ln)
//	ctx := browsertest.Chromium(t)
//	err := chromedp.Do(ctx, chromedp.Navigate("http://"+slug+"."+root+"/"))
//
// Every *.claro.localhost name resolves to 127.0.0.1 inside the browser.
//
// Outside CI a machine without Chromium skips these tests; in CI (CI=true) they
// fail instead, so a missing browser is never mistaken for a pass.
package browsertest

import (
	"context"
	"errors"
	"github.com/claro-market/claro/tenants/edge"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/testkit/peertest"
	"github.com/gofiber/fiber/v2"
)

// RootHost is the marketplace's host name in browser tests; stores live on its
// subdomains.
const RootHost = "claro.localhost"

// Timeout bounds everything one test does with its browser.
const Timeout = 60 * time.Second

// hostRules sends the root domain and every store subdomain to loopback,
// whatever the machine's resolver thinks of *.localhost.
const hostRules = "MAP *." + RootHost + " 127.0.0.1, MAP " + RootHost + " 127.0.0.1"

// ExecPath finds a Chromium: CHROME_PATH if set, else chromium,
// chromium-browser or google-chrome on PATH. It returns "" when there is none.
func ExecPath() string {
	if p := strings.TrimSpace(os.Getenv("CHROME_PATH")); p != "" {
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
		return ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if full, err := exec.LookPath(name); err == nil {
			return full
		}
	}
	return ""
}

// Option changes how Chromium starts a browser.
type Option func(*options)

type options struct {
	timeout time.Duration
	rules   string
}

// WithTimeout bounds the browser by d instead of Timeout, for a test that
// walks a long journey.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// MapHost also sends pattern (a host name, or "*.example.test" for a name's
// subdomains) to loopback, for a store's custom domain.
func MapHost(pattern string) Option {
	return func(o *options) { o.rules += ", MAP " + pattern + " 127.0.0.1" }
}

// Chromium starts a fresh headless Chromium for tb and returns a context for
// its first tab, bounded by Timeout. Without a Chromium it skips tb, or fails
// it when CI=true. The browser is closed when tb ends.
func Chromium(tb testing.TB, opts ...Option) context.Context {
	tb.Helper()
	o := options{timeout: Timeout, rules: hostRules}
	for _, opt := range opts {
		opt(&o)
	}
	path := ExecPath()
	if path == "" {
		peertest.Missing(tb, "browsertest: no Chromium found (looked for CHROME_PATH, chromium, chromium-browser, google-chrome); "+
			"install Debian's chromium: apt-get install chromium")
	}
	// TempDir registers its removal now, so it runs after the browser has
	// stopped (cleanups run last-registered first).
	profile := tb.TempDir()

	ctx, cancelTimeout := context.WithTimeout(context.Background(), o.timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.Flag("host-resolver-rules", o.rules),
	)
	bctx, cancelBrowser := chromedp.NewContext(actx,
		chromedp.WithErrorf(func(format string, args ...any) { tb.Logf("chromedp: "+format, args...) }),
	)
	tb.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	// Start the browser now, so a Chromium that cannot start fails here, by name.
	if err := chromedp.Do(bctx); err != nil {
		tb.Fatalf("browsertest: starting %s: %v", path, err)
	}
	return bctx
}

// Listen opens a loopback port for the app and returns it with the root
// domain ("claro.localhost:<port>") to build the app's configuration with.
// The listener is closed when tb ends, if Start never took it.
func Listen(tb testing.TB) (ln net.Listener, rootDomain string) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ln.Close() })
	_, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	return ln, RootHost + ":" + port
}

// Start serves app on ln in the background until tb ends; then it shuts the
// app down and reports any error serving returned. Connections a browser
// still holds are closed first: Chromium may keep a preconnected socket
// that never sends a request, which a graceful shutdown would wait on until
// the server's read timeout, whichever order the test's cleanups run in.
func Start(tb testing.TB, app *fiber.App, ln net.Listener) {
	tb.Helper()
	tl := &trackingListener{Listener: ln, conns: map[net.Conn]struct{}{}}
	served := make(chan error, 1)
	go func() { served <- app.Listener(edge.QuietDeadlines(tl)) }()
	tb.Cleanup(func() {
		tl.closeConns()
		if err := app.ShutdownWithTimeout(10 * time.Second); err != nil && !errors.Is(err, net.ErrClosed) {
			tb.Errorf("browsertest: shutting the app down: %v", err)
		}
		// A Shutdown that came before Serve took the listener misses it;
		// closing the listener stops Serve either way.
		_ = tl.Close()
		select {
		case err := <-served:
			if err != nil && !errors.Is(err, net.ErrClosed) {
				tb.Errorf("browsertest: serving: %v", err)
			}
		case <-time.After(10 * time.Second):
			tb.Error("browsertest: the app did not stop serving within 10s")
		}
	})
}

// trackingListener remembers the connections it accepted, so Start can
// close them when the test ends.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns[c] = struct{}{}
		l.mu.Unlock()
	}
	return c, err
}

func (l *trackingListener) closeConns() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		_ = c.Close()
	}
}
