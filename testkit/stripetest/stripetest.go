// Package stripetest runs stripe-mock for tests behind a recording reverse
// proxy, so a test can assert on the requests Claro sends to Stripe (stripe-mock
// is stateless: state is driven with signed webhook payloads, which this
// package also builds and signs with stripe-go's own test signer).
package stripetest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/claro-market/claro/app/devtools/stripeproxy"
	"github.com/claro-market/claro/testkit/peertest"
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
}

// Binary finds the stripe-mock executable: on PATH, else in GOPATH/bin.
func Binary() (string, error) { return stripeproxy.Binary() }

// Start runs stripe-mock on free ports for this test and stops it at cleanup.
// Without the binary the test is skipped, except in CI (CI=true), where that
// is a failure. The proxy in front records every call and gives each created
// Checkout Session and account a unique id (stripeproxy).
func Start(tb testing.TB) *Mock {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		peertest.Missing(tb, err.Error())
	}
	mock, err := stripeproxy.StartMock(context.Background(), bin)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(mock.Stop)
	proxy, err := stripeproxy.New(mock.URL)
	if err != nil {
		tb.Fatal(err)
	}
	m := &Mock{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
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
