package hooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/uptrace/bun"
)

// receiver is a real HTTP server receiving one endpoint's webhooks. It
// verifies every request's signature with the documented snippet, and
// answers as its mode says: ok (200), fail (500) or slow (no answer before
// the worker's timeout). Down closes its listener; Up listens again on
// the same address.
type receiver struct {
	addr string

	mu       sync.Mutex
	secrets  []string // any of these may sign
	mode     string
	srv      *http.Server
	requests int                 // every request that reached the handler
	bad      []string            // requests whose signature did not verify, and why
	seen     map[string]int      // verified requests per event id
	accepted map[string][]byte   // event id -> body, once answered 200
	headers  map[string][]string // event id -> every Claro-Signature received
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{addr: ln.Addr().String(), mode: "ok", seen: map[string]int{}, accepted: map[string][]byte{}, headers: map[string][]string{}}
	r.serve(ln)
	t.Cleanup(r.Down)
	return r
}

func (r *receiver) URL() string { return "http://" + r.addr + "/hooks" }

func (r *receiver) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(r.handle), ReadHeaderTimeout: 5 * time.Second}
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ends with Close
}

// Down closes the listener and every connection: the endpoint is gone.
func (r *receiver) Down() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Up listens again on the same address.
func (r *receiver) Up(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the closed socket may take a moment to free its port
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	r.serve(ln)
}

func (r *receiver) set(mode string) {
	r.mu.Lock()
	r.mode = mode
	r.mu.Unlock()
}

func (r *receiver) trust(secrets ...string) {
	r.mu.Lock()
	r.secrets = secrets
	r.mu.Unlock()
}

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests++
	mode, secrets := r.mode, r.secrets
	r.mu.Unlock()
	if err != nil {
		http.Error(w, "unreadable", http.StatusBadRequest)
		return
	}
	sig, id := req.Header.Get(hooks.SignatureHeader), req.Header.Get(hooks.EventHeader)
	verr := errors.New("no secret trusted")
	for _, s := range secrets {
		if verr = VerifyClaroSignature(s, sig, body, 5*time.Minute, time.Now()); verr == nil {
			break
		}
	}
	var ev struct {
		ID string `json:"id"`
	}
	if verr == nil && (json.Unmarshal(body, &ev) != nil || ev.ID != id) {
		verr = errors.New("the body's id is not the header's")
	}
	r.mu.Lock()
	if verr != nil {
		r.bad = append(r.bad, id+": "+verr.Error())
		r.mu.Unlock()
		http.Error(w, verr.Error(), http.StatusBadRequest)
		return
	}
	r.seen[id]++
	r.headers[id] = append(r.headers[id], sig)
	r.mu.Unlock()
	switch mode {
	case "fail":
		http.Error(w, "receiver failing on purpose", http.StatusInternalServerError)
		return
	case "slow":
		select {
		case <-req.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	r.mu.Lock()
	r.accepted[id] = body
	r.mu.Unlock()
	_, _ = io.WriteString(w, `{"received":true}`)
}

// snapshot reads the counters under the lock.
func (r *receiver) snapshot() (requests int, bad []string, seen map[string]int, accepted map[string][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen, accepted = map[string]int{}, map[string][]byte{}
	for k, v := range r.seen {
		seen[k] = v
	}
	for k, v := range r.accepted {
		accepted[k] = v
	}
	return r.requests, append([]string(nil), r.bad...), seen, accepted
}

// fastOptions are worker options for tests: short timeout, quick retries.
func fastOptions() hooks.Options {
	return hooks.Options{Timeout: 300 * time.Millisecond, Backoff: 40 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		GiveUp: time.Minute, Poll: 50 * time.Millisecond}
}

// runWorker runs a worker over e's hooks until the test ends.
func runWorker(t *testing.T, e *moneytest.Env, opt hooks.Options) *hooks.Worker {
	t.Helper()
	w := e.App.Hooks.Worker(opt, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the worker did not stop within 10 s")
		}
	})
	return w
}

// addEndpoint saves an endpoint for store through the creator's side,
// under the store's row-level security, as the dashboard does (outside
// production), and ends the store's pending deliveries with the test.
func addEndpoint(t *testing.T, e *moneytest.Env, store *tenants.Tenant, url string, events ...string) hooks.Endpoint {
	t.Helper()
	var ep hooks.Endpoint
	err := e.App.DB.InTenant(context.Background(), store.ID, func(ctx context.Context, tx bun.Tx) (err error) {
		ep, err = e.App.Hooks.Creator(tx).Add(ctx, store.ID, url, events, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Nothing of this test stays due for another test's worker.
		_, _ = e.App.DB.Primary.NewRaw(`UPDATE hook_deliveries SET status = 'failed' WHERE tenant_id = ? AND status = 'pending'`, store.ID).
			Exec(context.Background())
	})
	return ep
}

// waitFor polls cond every 20 ms for at most within; it fails t (from the
// test's goroutine) with what when cond never holds.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
