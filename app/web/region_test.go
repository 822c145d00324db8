package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants/edge"
	"github.com/gofiber/fiber/v2"
	proxyproto "github.com/pires/go-proxyproto"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// countingHook counts the queries a pool runs.
type countingHook struct{ n atomic.Int64 }

func (h *countingHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	h.n.Add(1)
	return ctx
}
func (h *countingHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// primaryInstance stands in for a machine in the primary region: it records
// what reached it, behind a listener that requires the PROXY protocol as the
// real one does.
type primaryInstance struct {
	*httptest.Server
	mu                              sync.Mutex
	hits                            int
	method, uri, host, body, remote string
	header                          http.Header
}

// Hits counts the requests that reached the primary.
func (p *primaryInstance) Hits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits
}

func startPrimary(t *testing.T) *primaryInstance {
	p := &primaryInstance{}
	p.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.hits++
		p.method, p.uri, p.host, p.body, p.remote, p.header = r.Method, r.RequestURI, r.Host, string(b), r.RemoteAddr, r.Header.Clone()
		p.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "claro_lsn", Value: "0/16B3748"})
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("written in iad"))
	}))
	p.Listener = edge.RequireProxyHeader(p.Listener)
	p.Start()
	t.Cleanup(p.Close)
	return p
}

// regionalApp is a machine in region o.Region: the Regional middleware in
// front of handlers that read the (counted) replica.
func regionalApp(t *testing.T, o web.RegionOptions) (addr string, local *atomic.Int64, replica *countingHook) {
	t.Helper()
	replica = &countingHook{}
	pool := bun.NewDB(testDB.Primary.DB, pgdialect.New())
	pool.AddQueryHook(replica)
	local = &atomic.Int64{}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(web.Regional(o))
	app.All("/*", func(c *fiber.Ctx) error {
		local.Add(1)
		var one int
		if err := pool.NewRaw("SELECT 1").Scan(c.UserContext(), &one); err != nil {
			return err
		}
		return c.SendString("served in " + o.Region)
	})
	ln, err := edge.Listen("127.0.0.1:0", true)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return ln.Addr().String(), local, replica
}

// send makes one request to addr as the client 203.0.113.7 would through
// Fly's proxy (a PROXY protocol header first).
func send(t *testing.T, addr, method, target, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		h := proxyproto.HeaderProxyFromAddrs(2, &net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 50000}, conn.LocalAddr())
		_, err = h.WriteTo(conn)
		return conn, err
	}}
	req, _ := http.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestWriteInANonPrimaryRegionIsForwardedToThePrimaryAndNeverTouchesTheReplica(t *testing.T) {
	primary := startPrimary(t)
	addr, local, replica := regionalApp(t, web.RegionOptions{Region: "ams", Primary: "iad", Forward: primary.URL, ProxyHeader: true})

	resp, body := send(t, addr, "POST", "http://alice.claro.test/cart/items?x=1", "product_id=7",
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusCreated || body != "written in iad" || !strings.Contains(resp.Header.Get("Set-Cookie"), "claro_lsn=") {
		t.Fatalf("forwarded write answered %d %q (cookie %q)", resp.StatusCode, body, resp.Header.Get("Set-Cookie"))
	}
	primary.mu.Lock()
	got := struct {
		hits                            int
		method, uri, host, body, remote string
		header                          http.Header
	}{primary.hits, primary.method, primary.uri, primary.host, primary.body, primary.remote, primary.header}
	primary.mu.Unlock()
	if got.hits != 1 || got.method != "POST" || got.uri != "/cart/items?x=1" || got.host != "alice.claro.test" || got.body != "product_id=7" {
		t.Fatalf("primary saw %d hits: %s %s host %q body %q", got.hits, got.method, got.uri, got.host, got.body)
	}
	if !strings.HasPrefix(got.remote, "203.0.113.7:") || got.header.Get("X-Forwarded-For") != "203.0.113.7" ||
		got.header.Get(web.ForwardedFromHeader) != "ams" {
		t.Fatalf("primary saw the client as %q (XFF %q, from %q)", got.remote, got.header.Get("X-Forwarded-For"), got.header.Get(web.ForwardedFromHeader))
	}
	if local.Load() != 0 || replica.n.Load() != 0 {
		t.Fatalf("the write ran here too: %d local handler calls, %d replica queries", local.Load(), replica.n.Load())
	}

	// Reads stay in the region and read the replica.
	if resp, body := send(t, addr, "GET", "http://alice.claro.test/", ""); resp.StatusCode != 200 || body != "served in ams" || replica.n.Load() != 1 {
		t.Fatalf("read: %d %q, %d replica queries", resp.StatusCode, body, replica.n.Load())
	}
	// A request already redelivered is never sent on again.
	if _, body := send(t, addr, "POST", "http://alice.claro.test/x", "", web.ForwardedFromHeader, "fra"); body != "served in ams" || primary.Hits() != 1 {
		t.Fatalf("redelivered request forwarded again: %q, %d hits", body, primary.Hits())
	}
}

func TestWriteBehindFlysHTTPHandlerIsAnsweredWithFlyReplay(t *testing.T) {
	primary := startPrimary(t)
	addr, local, replica := regionalApp(t, web.RegionOptions{Region: "ams", Primary: "iad"}) // TLS=off

	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		resp, _ := send(t, addr, m, "http://claro.test/webhooks/stripe", "{}")
		if resp.Header.Get("Fly-Replay") != "region=iad" {
			t.Fatalf("%s: status %d, fly-replay %q", m, resp.StatusCode, resp.Header.Get("Fly-Replay"))
		}
	}
	if local.Load() != 0 || replica.n.Load() != 0 || primary.Hits() != 0 {
		t.Fatalf("replayed writes ran: %d local, %d replica queries, %d forwarded", local.Load(), replica.n.Load(), primary.Hits())
	}
	// Fly marks the replayed request; it is served wherever it lands.
	if _, body := send(t, addr, "POST", "http://claro.test/webhooks/stripe", "{}", "Fly-Replay-Src", "region=ams;t=1"); body != "served in ams" {
		t.Fatalf("replayed request: %q", body)
	}
}

func TestPrimaryRegionServesWritesItself(t *testing.T) {
	primary := startPrimary(t)
	for _, o := range []web.RegionOptions{
		{Region: "iad", Primary: "iad", Forward: primary.URL, ProxyHeader: true},
		{Region: "iad", Primary: "iad"},
		{}, // not on Fly at all
	} {
		addr, local, _ := regionalApp(t, o)
		if resp, body := send(t, addr, "POST", "http://claro.test/signup", "a=b"); resp.StatusCode != 200 || resp.Header.Get("Fly-Replay") != "" ||
			!strings.HasPrefix(body, "served in") || local.Load() != 1 {
			t.Fatalf("%+v: %d %q fly-replay %q", o, resp.StatusCode, body, resp.Header.Get("Fly-Replay"))
		}
	}
	if primary.Hits() != 0 {
		t.Fatalf("the primary region forwarded %d requests", primary.Hits())
	}
}
