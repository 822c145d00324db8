package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	proxyproto "github.com/pires/go-proxyproto"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/localproc"
	"github.com/claro-market/claro/tenants/edge"
	"github.com/claro-market/claro/testkit/apptest"
)

// proxyClient sends every request to addr, opening each connection with a
// PROXY protocol header that names from as the client ("" sends none).
func proxyClient(addr, from string) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil || from == "" {
				return conn, err
			}
			h := proxyproto.HeaderProxyFromAddrs(2, &net.TCPAddr{IP: net.ParseIP(from), Port: 40000}, conn.LocalAddr())
			if _, err := h.WriteTo(conn); err != nil {
				conn.Close()
				return nil, err
			}
			return conn, nil
		}}}
}

// signUp goes through the real sign-up form and returns the status.
func signUp(t *testing.T, c *http.Client, email string) int {
	t.Helper()
	resp, err := c.Get("http://" + apptest.Root + "/signup")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `action="/signup"`) {
		t.Fatalf("no sign-up form on /signup (%d)", resp.StatusCode)
	}
	form := url.Values{"email": {email}, "password": {"a long enough password"}, "name": {"Proxied"}} // anonymous: no token, the Origin is checked
	req, _ := http.NewRequest("POST", "http://"+apptest.Root+"/signup", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+apptest.Root)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestPlainListenerWithProxyProtocolSeesTheClientAndRefusesBareConnections(t *testing.T) {
	logs := &localproc.Buffer{}
	a, err := app.New(apptest.Config(t), testDB.DB, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := edge.Listen("127.0.0.1:0", true) // TLS=off, PROXY_PROTOCOL=true
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.Fiber.Listener(ln) }()
	t.Cleanup(func() { _ = a.Fiber.Shutdown() })

	// The sign-up limit (10 an hour per address) keys on the PROXY address.
	client := proxyClient(ln.Addr().String(), "203.0.113.7")
	for i := range 10 {
		if code := signUp(t, client, apptest.Unique("proxied")+"@example.com"); code != http.StatusOK {
			t.Fatalf("sign-up %d: %d", i+1, code)
		}
	}
	if code := signUp(t, client, apptest.Unique("proxied")+"@example.com"); code != http.StatusTooManyRequests {
		t.Fatalf("11th sign-up from 203.0.113.7: %d, want 429", code)
	}
	if code := signUp(t, proxyClient(ln.Addr().String(), "198.51.100.9"), apptest.Unique("other")+"@example.com"); code != http.StatusOK {
		t.Fatalf("first sign-up from another client: %d; the limit must not be keyed on the proxy", code)
	}
	if !strings.Contains(logs.String(), "ip=203.0.113.7") || !strings.Contains(logs.String(), "ip=198.51.100.9") {
		t.Fatalf("access log does not show the PROXY header's addresses:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "ip=127.0.0.1") {
		t.Fatalf("access log keyed a request on the proxy's own address:\n%s", logs.String())
	}

	// Without the header the connection is refused, not served as the proxy.
	if resp, err := proxyClient(ln.Addr().String(), "").Get("http://" + apptest.Root + "/login"); err == nil {
		resp.Body.Close()
		t.Fatalf("a connection without a PROXY header was answered %d", resp.StatusCode)
	}
}
