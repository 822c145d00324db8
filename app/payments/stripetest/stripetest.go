// Package stripetest runs stripe-mock for tests behind a recording reverse
// proxy, so a test can assert on the requests Claro sends to Stripe (stripe-mock
// is stateless: state is driven with signed webhook payloads, which this
// package also builds and signs with stripe-go's own test signer).
package stripetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// SecretKey is the test-mode key tests configure; stripe-mock accepts any.
const SecretKey = "sk_test_claro"

// Request is one call Claro made to Stripe, as the proxy saw it.
type Request struct {
	Method string
	Path   string
	Form   url.Values
	Header http.Header
}

// Mock is a running stripe-mock with a recording proxy in front of it. URL is
// what STRIPE_API_BASE should be set to.
type Mock struct {
	URL string

	mu       sync.Mutex
	requests []Request
	fail     map[string]int // "METHOD /path" -> status the proxy answers itself
	seq      int
}

// uniqueIDs gives every created Checkout Session and account its own id.
// stripe-mock answers each create with the same fixture id, where Stripe
// would never repeat one, and Claro stores them under UNIQUE constraints.
func (m *Mock) uniqueIDs(resp *http.Response) error {
	req := resp.Request
	prefix := map[string]string{"/v1/checkout/sessions": "cs_test_claro", "/v1/accounts": "acct_claro"}[req.URL.Path]
	if req.Method != http.MethodPost || prefix == "" || resp.StatusCode != http.StatusOK {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err == nil {
		m.mu.Lock()
		m.seq++
		obj["id"] = fmt.Sprintf("%s_%s_%d", prefix, rand.Text()[:10], m.seq)
		m.mu.Unlock()
		body, _ = json.Marshal(obj)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// Binary finds the stripe-mock executable: on PATH, else in GOPATH/bin.
func Binary() (string, error) {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(gopath, "bin", "stripe-mock")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("stripe-mock not installed (go install github.com/stripe/stripe-mock@v0.190.0)")
	}
	return p, nil
}

// Start runs stripe-mock on free ports for this test and stops it at cleanup.
// Without the binary the test is skipped, except in CI (CI=true), where that
// is a failure.
func Start(tb testing.TB) *Mock {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
	httpPort, httpsPort := freePort(tb), freePort(tb)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-http-port", strconv.Itoa(httpPort), "-https-port", strconv.Itoa(httpsPort))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort))
	if !waitListening(addr) {
		tb.Fatalf("stripe-mock did not start on %s:\n%s", addr, out.String())
	}
	target, _ := url.Parse("http://" + addr)
	m := &Mock{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = m.uniqueIDs
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Del("Accept-Encoding") // keep answers plain so uniqueIDs can read them
		form, _ := url.ParseQuery(string(body))
		m.mu.Lock()
		m.requests = append(m.requests, Request{Method: r.Method, Path: r.URL.Path, Form: form, Header: r.Header.Clone()})
		status := m.fail[r.Method+" "+r.URL.Path]
		m.mu.Unlock()
		if status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"error":{"type":"invalid_request_error","message":"Refused by the test."}}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}

// Fail makes every later call to method and path answer status with a
// Stripe-shaped error instead of reaching stripe-mock (which accepts nearly
// anything): how a test shows what Claro does when Stripe says no.
func (m *Mock) Fail(method, path string, status int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail == nil {
		m.fail = map[string]int{}
	}
	m.fail[method+" "+path] = status
}

// Requests returns the calls recorded so far.
func (m *Mock) Requests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Request(nil), m.requests...)
}

// Find returns the recorded calls with this method and path.
func (m *Mock) Find(method, path string) []Request {
	var out []Request
	for _, r := range m.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitListening polls until the port accepts connections, for at most 15 s:
// a start-up wait, not an assertion about speed.
func waitListening(addr string) bool {
	for i := 0; i < 300; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
