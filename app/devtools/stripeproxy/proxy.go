package stripeproxy

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
)

// uniquePrefix names, per create endpoint, the prefix of the ids the proxy
// hands out in place of stripe-mock's fixture id.
var uniquePrefix = map[string]string{
	"/v1/checkout/sessions": "cs_test_claro",
	"/v1/accounts":          "acct_claro",
}

// Proxy forwards Stripe API calls to stripe-mock, rewrites the id of each
// created Checkout Session and account to a fresh one, and lays the account
// state set through AccountsPath over stripe-mock's answers about that
// account. Everything else passes through unchanged.
type Proxy struct {
	rp       *httputil.ReverseProxy
	run      string // random per proxy, so ids differ across restarts too
	seq      atomic.Int64
	accounts accounts
}

// New returns a proxy to the stripe-mock at target (Mock.URL).
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("stripeproxy: bad target %q", target)
	}
	p := &Proxy{rp: httputil.NewSingleHostReverseProxy(u), run: rand.Text()[:10]}
	p.rp.ModifyResponse = p.rewrite
	return p, nil
}

// ServeHTTP forwards one call, or answers AccountsPath itself. Answers come
// back uncompressed, so they can be rewritten.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AccountsPath) {
		p.accounts.serveSet(w, r)
		return
	}
	r.Header.Del("Accept-Encoding")
	p.rp.ServeHTTP(w, r)
}

// rewrite gives a created object its unique id, or lays the held state over
// an account read or updated by id.
func (p *Proxy) rewrite(resp *http.Response) error {
	req := resp.Request
	prefix := uniquePrefix[req.URL.Path]
	create := req.Method == http.MethodPost && prefix != ""
	if resp.StatusCode != http.StatusOK || (!create && !isAccountCall(req)) {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err == nil {
		changed := create
		if create {
			obj["id"] = fmt.Sprintf("%s_%s_%d", prefix, p.run, p.seq.Add(1))
		} else {
			changed = p.accounts.overlay(obj)
		}
		if b, err := json.Marshal(obj); err == nil && changed {
			body = b
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// isAccountCall is GET or POST /v1/accounts/<id>: one account, read (GET) or updated
// (POST), not its sub-resources.
func isAccountCall(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return false
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/v1/accounts/")
	return ok && id != "" && !strings.Contains(id, "/")
}
