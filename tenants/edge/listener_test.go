package edge

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/claro-market/claro/tenants"
	proxyproto "github.com/pires/go-proxyproto"
)

// client sends every request to addr, whatever the URL's host, optionally
// opening each connection with a PROXY protocol header from 203.0.113.7.
func client(e *edgeEnv, pb *pebble, addr string, proxyHeader bool) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			conn, err := d.DialContext(ctx, network, addr)
			if err != nil || !proxyHeader {
				return conn, err
			}
			h := proxyproto.HeaderProxyFromAddrs(1, &net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 51000}, conn.LocalAddr())
			if _, err := h.WriteTo(conn); err != nil {
				conn.Close()
				return nil, err
			}
			return conn, nil
		},
		DisableKeepAlives: true,
	}
	if pb != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: pb.Roots}
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, method, url string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHTTPListenerRedirectsServedNamesOnly(t *testing.T) {
	aliceHTTP := uniq("alice-http")
	createStore(t, aliceHTTP)
	e := startEdge(t, nil, testDB.Primary.DB)
	c := client(e, nil, e.httpAddr, false)
	_, port, _ := net.SplitHostPort(e.tlsAddr)

	resp, _ := get(t, c, "GET", "http://"+aliceHTTP+".claro.test/products/x?y=1")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "https://"+aliceHTTP+".claro.test:"+port+"/products/x?y=1" {
		t.Fatalf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(t, c, "POST", "http://claro.test/webhooks/stripe"); resp.StatusCode != 308 {
		t.Fatalf("POST redirect: %d", resp.StatusCode)
	}
	for _, host := range []string{"evil.example", "nobody-http.claro.test", "127.0.0.1"} {
		if resp, _ := get(t, c, "GET", "http://"+host+"/"); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", host, resp.StatusCode)
		}
	}
	if resp, body := get(t, c, "GET", "http://"+e.httpAddr+"/healthz"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}
}

func TestHTTPSResponsesCarryHSTS(t *testing.T) {
	aliceHSTS := uniq("alice-hsts")
	customHSTS := uniq("custom-hsts")
	pb := startPebble(t)
	createStore(t, aliceHSTS)
	addDomain(t, customHSTS, "shop."+customHSTS+".example", "verified")
	e := startEdge(t, pb, testDB.Primary.DB)
	c := client(e, pb, e.tlsAddr, false)
	for host, want := range map[string]string{
		aliceHSTS + ".claro.test":         tenants.HSTSMaxAge + "; includeSubDomains",
		"shop." + customHSTS + ".example": tenants.HSTSMaxAge,
	} {
		resp, body := get(t, c, "GET", "https://"+host+"/")
		if got := resp.Header.Get("Strict-Transport-Security"); got != want || !strings.HasPrefix(body, host+" ") {
			t.Errorf("%s: HSTS %q body %q; want %q", host, got, body, want)
		}
	}
}

func TestProxyProtocolGivesTheClientAddressAndIsRequired(t *testing.T) {
	pb := startPebble(t)
	e := startEdge(t, pb, testDB.Primary.DB, func(o *Options) { o.ProxyProtocol = true })

	_, body := get(t, client(e, pb, e.tlsAddr, true), "GET", "https://claro.test/")
	if body != "claro.test 203.0.113.7" {
		t.Fatalf("app saw %q; want the PROXY header's address", body)
	}
	if resp, _ := get(t, client(e, nil, e.httpAddr, true), "GET", "http://claro.test/healthz"); resp.StatusCode != 200 {
		t.Fatalf("HTTP listener with PROXY header: %d", resp.StatusCode)
	}
	// Without the header the connection is refused, not served as the proxy.
	for _, url := range []string{"https://claro.test/", "http://claro.test/healthz"} {
		addr := e.tlsAddr
		if strings.HasPrefix(url, "http:") {
			addr = e.httpAddr
		}
		req, _ := http.NewRequest("GET", url, nil)
		if resp, err := client(e, pb, addr, false).Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("%s without PROXY header answered %d", url, resp.StatusCode)
		}
	}
}

func TestObtainForAVerifiedDomainOrdersOnceAndReusesStorage(t *testing.T) {
	obtainEdge := uniq("obtain-edge")
	pb := startPebble(t)
	addDomain(t, obtainEdge, obtainEdge+".example", "verified")
	e := startEdge(t, pb, testDB.Primary.DB)
	names := []string{obtainEdge + ".example", "www." + obtainEdge + ".example"}
	for range 2 {
		if err := e.srv.Obtain(context.Background(), names); err != nil {
			t.Fatal(err)
		}
	}
	if n := pb.Orders(); n != 2 {
		t.Fatalf("%d ACME orders for apex and www obtained twice; want 2", n)
	}
	for _, n := range names {
		if _, err := handshake(e.tlsAddr, n, pb.Roots); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	if n := pb.Orders(); n != 2 {
		t.Fatalf("handshakes after Obtain placed orders: %d", n)
	}
}
