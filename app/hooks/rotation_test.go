package hooks_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/uptrace/bun"
)

func inTenant(t *testing.T, e *moneytest.Env, store *tenants.Tenant, fn func(ctx context.Context, c *hooks.Creator) error) {
	t.Helper()
	if err := e.App.DB.InTenant(context.Background(), store.ID, func(ctx context.Context, tx bun.Tx) error {
		return fn(ctx, e.App.Hooks.Creator(tx))
	}); err != nil {
		t.Fatal(err)
	}
}

// sendTest queues a test event to ep and has a worker send it once.
func sendTest(t *testing.T, s *shop, ep int64) {
	t.Helper()
	inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) error { return c.SendTest(ctx, s.store.ID, ep) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.e.App.Hooks.Worker(fastOptions(), nil).Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// During a rotation every delivery is signed by both secrets, so a
// receiver still holding the old one and one already on the new one both
// verify it; once the overlap ends only the new one signs.
func TestARotationSignsWithBothSecretsForADay(t *testing.T) {
	s := newShop(t)
	r := newReceiver(t)
	ep := addEndpoint(t, s.e, s.store, r.URL(), hooks.Sale)
	old := ep.Secret
	inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) error { return c.Rotate(ctx, s.store.ID, ep.ID) })
	var eps []hooks.Endpoint
	inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) (err error) {
		eps, err = c.Endpoints(ctx, s.store.ID)
		return err
	})
	if len(eps) != 1 || eps[0].Secret == old || eps[0].Previous != old || eps[0].PreviousUntil == nil ||
		time.Until(*eps[0].PreviousUntil) < 23*time.Hour {
		t.Fatalf("after a rotation: %+v (old secret %s)", eps, old)
	}
	current := eps[0].Secret

	for _, secret := range []string{old, current} {
		r.trust(secret) // a receiver that knows only this one
		sendTest(t, s, ep.ID)
	}
	_, bad, seen, accepted := r.snapshot()
	if len(bad) != 0 || len(accepted) != 2 {
		t.Fatalf("during the overlap: accepted %d, refused %v", len(accepted), bad)
	}
	for id := range seen {
		r.mu.Lock()
		h := r.headers[id][0]
		r.mu.Unlock()
		if strings.Count(h, "v1=") != 2 {
			t.Fatalf("signature during a rotation: %s", h)
		}
		for _, secret := range []string{old, current} {
			if err := VerifyClaroSignature(secret, h, accepted[id], 5*time.Minute, time.Now()); err != nil {
				t.Fatalf("%s does not verify under one of the two secrets: %v", h, err)
			}
		}
	}

	// The overlap ends: the old secret no longer signs.
	if _, err := s.e.DB.Primary.NewRaw(`UPDATE hook_endpoints SET previous_until = now() - interval '1 second' WHERE id = ?`, ep.ID).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.trust(old)
	sendTest(t, s, ep.ID)
	_, bad, _, _ = r.snapshot()
	if len(bad) != 1 {
		t.Fatalf("after the overlap the old secret verified: refused %v", bad)
	}
	r.trust(current)
	_, _, _, acc := r.snapshot()
	before := len(acc)
	sendTest(t, s, ep.ID)
	if _, _, _, acc := r.snapshot(); len(acc) != before+1 {
		t.Fatal("after the overlap the current secret did not verify")
	}
}

// A 4xx other than 408 and 429 fails the delivery at once; a retryable
// failure past GiveUp fails it too, saying so; Redeliver starts again.
func TestA4xxFailsAtOnceAndRetriesEndAfterGiveUp(t *testing.T) {
	s := newShop(t)
	gone := newReceiver(t) // trusts no secret: every request is a 400
	ep := addEndpoint(t, s.e, s.store, gone.URL(), hooks.Sale)
	sendTest(t, s, ep.ID)
	var d struct {
		ID       int64  `bun:"id"`
		Status   string `bun:"status"`
		Attempts int    `bun:"attempts"`
		Error    string `bun:"last_error"`
	}
	read := func() {
		t.Helper()
		if err := s.e.DB.Primary.NewRaw(`SELECT id, status, attempts, coalesce(last_error, '') AS last_error FROM hook_deliveries
			WHERE tenant_id = ? ORDER BY id DESC LIMIT 1`, s.store.ID).Scan(context.Background(), &d); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if d.Status != "failed" || d.Attempts != 1 || !strings.Contains(d.Error, "400") {
		t.Fatalf("after a 400: %+v", d)
	}

	// 500 until GiveUp has passed.
	gone.trust(ep.Secret)
	gone.set("fail")
	inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) error { return c.Redeliver(ctx, s.store.ID, d.ID) })
	opt := fastOptions()
	opt.GiveUp = 300 * time.Millisecond
	w := s.e.App.Hooks.Worker(opt, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waitFor(t, 10*time.Second, "the delivery given up", func() bool {
		if _, err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		read()
		return d.Status == "failed"
	})
	if d.Attempts < 3 || !strings.Contains(d.Error, "gave up after") || !strings.Contains(d.Error, "500") {
		t.Fatalf("given up: %+v", d)
	}
	// Redeliver: a new round, delivered now the receiver answers.
	gone.set("ok")
	inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) error { return c.Redeliver(ctx, s.store.ID, d.ID) })
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	read()
	if d.Status != "delivered" {
		t.Fatalf("after Redeliver: %+v", d)
	}
	var detail hooks.Delivery
	inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) (err error) {
		detail, err = c.Detail(ctx, s.store.ID, d.ID)
		return err
	})
	last := detail.Tries[len(detail.Tries)-1]
	if len(detail.Tries) != d.Attempts || last.StatusCode != http.StatusOK || last.Response != `{"received":true}` ||
		!strings.HasPrefix(last.Signature, "t=") || detail.Tries[0].StatusCode != http.StatusBadRequest || !strings.Contains(detail.Body, detail.EventID) {
		t.Fatalf("the log: %+v", detail)
	}
}
