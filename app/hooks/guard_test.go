package hooks_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/app/web"
	"github.com/uptrace/bun"
)

func TestRefusedNamesEveryPrivateRange(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "10.0.0.1": true, "10.255.255.254": true, "172.16.0.1": true, "172.31.255.1": true,
		"192.168.1.1": true, "169.254.169.254": true, "100.64.0.1": true, "0.0.0.0": true, "224.0.0.1": true, "255.255.255.255": true,
		"::1": true, "::": true, "fc00::1": true, "fd12::1": true, "fe80::1": true, "::ffff:127.0.0.1": true, "::ffff:10.1.2.3": true,
		"64:ff9b::a00:1": true, "198.18.0.1": true,
		"8.8.8.8": false, "1.1.1.1": false, "172.32.0.1": false, "100.128.0.1": false, "2606:4700:4700::1111": false,
	} {
		if got := hooks.Refused(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Refused(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestProductionSavesOnlyPublicHTTPSURLs(t *testing.T) {
	for _, raw := range []string{
		"http://example.com/hooks", "https://127.0.0.1/hooks", "https://10.1.2.3/hooks", "https://[::1]/hooks",
		"https://localhost/hooks", "https://api.localhost/x", "https://printer.local/x", "https://metadata.google.internal/x",
		"https://169.254.169.254/latest/meta-data", "https://user:pw@example.com/x", "ftp://example.com/x", "example.com/x",
		"", "https://example.com/x#frag", "https://exa\x00mple.com/", "https://" + strings.Repeat("a", hooks.MaxURL) + ".com/",
	} {
		_, err := hooks.CheckURL(raw, true)
		var r *web.Refusal
		if !errors.As(err, &r) || r.Message == "" {
			t.Errorf("CheckURL(%q, production) = %v, want a refusal", raw, err)
		}
	}
	if _, err := hooks.CheckURL("https://hooks.example.com/claro?x=1", true); err != nil {
		t.Fatalf("a public https URL refused: %v", err)
	}
	// Outside production a creator may use a server on their own machine.
	if _, err := hooks.CheckURL("http://127.0.0.1:8081/hooks", false); err != nil {
		t.Fatalf("a local URL refused outside production: %v", err)
	}
}

// In production mode the worker never connects to a loopback or private
// address, named as a literal or by a hostname that resolves to it: the
// address dialled is checked, after DNS, on every attempt. The receiver
// here is real and listening on 127.0.0.1, and hears nothing.
func TestProductionDeliveriesNeverReachLoopbackOrPrivateAddresses(t *testing.T) {
	s := newShop(t)
	r := newReceiver(t)
	port := r.addr[strings.LastIndex(r.addr, ":")+1:]
	targets := []string{
		r.URL(),                               // 127.0.0.1, the live receiver
		"http://localhost:" + port + "/hooks", // a name resolving to it
		"http://10.0.0.1:" + port + "/hooks",  // 10.0.0.0/8
		"http://10.255.255.254:9/hooks",
	}
	eps, secrets := map[int64]string{}, []string{}
	for _, u := range targets {
		// Saved outside production (production's form refuses them, above),
		// as a name that later resolves to a private address would be.
		ep := addEndpoint(t, s.e, s.store, u, hooks.Sale)
		secrets = append(secrets, ep.Secret)
		r.trust(secrets...)
		eps[ep.ID] = u
		if err := s.e.App.DB.InTenant(context.Background(), s.store.ID, func(ctx context.Context, tx bun.Tx) error {
			return s.e.App.Hooks.Creator(tx).SendTest(ctx, s.store.ID, ep.ID)
		}); err != nil {
			t.Fatal(err)
		}
	}
	opt := fastOptions()
	opt.Guard = true
	opt.Timeout = 2 * time.Second
	w := s.e.App.Hooks.Worker(opt, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if requests, _, _, _ := r.snapshot(); requests != 0 {
		t.Fatalf("the receiver on 127.0.0.1 got %d requests in production mode", requests)
	}
	var rows []struct {
		Endpoint int64  `bun:"endpoint_id"`
		Status   string `bun:"status"`
		Error    string `bun:"last_error"`
		Attempts int    `bun:"attempts"`
	}
	if err := s.e.DB.Primary.NewRaw(`SELECT endpoint_id, status, coalesce(last_error, '') AS last_error, attempts
		FROM hook_deliveries WHERE tenant_id = ?`, s.store.ID).Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(targets) {
		t.Fatalf("%d deliveries, want %d", len(rows), len(targets))
	}
	for _, d := range rows {
		if d.Status != "failed" || d.Attempts != 1 || !strings.Contains(d.Error, "refused") || !strings.Contains(d.Error, "not a public address") {
			t.Errorf("%s: %s after %d attempts (%q), want failed at once as refused", eps[d.Endpoint], d.Status, d.Attempts, d.Error)
		}
	}

	// The same deliveries outside production reach the live receiver:
	// the refusal above was the guard's, not a dead address's.
	if _, err := s.e.DB.Primary.NewRaw(`UPDATE hook_deliveries SET status = 'pending', next_attempt_at = now()
		WHERE tenant_id = ? AND endpoint_id = (SELECT id FROM hook_endpoints WHERE tenant_id = ? AND url = ?)`,
		s.store.ID, s.store.ID, r.URL()).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	opt.Guard = false
	if _, err := s.e.App.Hooks.Worker(opt, nil).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, bad, _, acc := r.snapshot(); len(acc) != 1 || len(bad) != 0 {
		t.Fatalf("outside production the receiver accepted %d (bad: %v), want 1", len(acc), bad)
	}
}
