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
	"sync/atomic"
)

// uniquePrefix names, per create endpoint, the prefix of the ids the proxy
// hands out in place of stripe-mock's fixture id.
var uniquePrefix = map[string]string{
	"/v1/checkout/sessions": "cs_test_claro",
	"/v1/accounts":          "acct_claro",
}

// Proxy forwards Stripe API calls to stripe-mock and rewrites the id of each
// created Checkout Session and account to a fresh one.
type Proxy struct {
	rp  *httputil.ReverseProxy
	run string // random per proxy, so ids differ across restarts too
	seq atomic.Int64
}

// New returns a proxy to the stripe-mock at target (Mock.URL).
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("stripeproxy: bad target %q", target)
	}
	p := &Proxy{rp: httputil.NewSingleHostReverseProxy(u), run: rand.Text()[:10]}
	p.rp.ModifyResponse = p.uniqueIDs
	return p, nil
}

// ServeHTTP forwards one call. Answers come back uncompressed, so their ids
// can be rewritten.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Header.Del("Accept-Encoding")
	p.rp.ServeHTTP(w, r)
}

func (p *Proxy) uniqueIDs(resp *http.Response) error {
	req := resp.Request
	prefix := uniquePrefix[req.URL.Path]
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
		obj["id"] = fmt.Sprintf("%s_%s_%d", prefix, p.run, p.seq.Add(1))
		if b, err := json.Marshal(obj); err == nil {
			body = b
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}
