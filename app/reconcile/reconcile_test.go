package reconcile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/devtools/stripeproxy"
	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/reconcile"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/promtest"
	"github.com/claro-market/claro/testkit/stripetest"
)

const pw = "a long enough password"

// listing stands in front of the test's stripe-mock. stripe-mock lists one
// fixture Checkout Session whatever was opened; the listing answers GET
// /v1/checkout/sessions with stripe-mock's own answer whose data is the
// sessions the test set, each laid over the fixture (so the shape is
// stripe-mock's, and the id, client_reference_id and amount the opened
// checkout's). Every other call goes through unchanged.
type listing struct {
	mu       sync.Mutex
	sessions []map[string]any
	queries  []url.Values
}

// set makes the listing answer these sessions.
func (l *listing) set(sessions ...map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sessions = sessions
}

func (l *listing) lists() []url.Values {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]url.Values(nil), l.queries...)
}

// front serves the listing before target and returns its URL.
func (l *listing) front(tb testing.TB, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != http.MethodGet || resp.Request.URL.Path != "/v1/checkout/sessions" || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var list map[string]any
		if err := json.Unmarshal(body, &list); err != nil {
			return err
		}
		fixture := map[string]any{}
		if data, _ := list["data"].([]any); len(data) > 0 {
			fixture, _ = data[0].(map[string]any)
		}
		l.mu.Lock()
		l.queries = append(l.queries, resp.Request.URL.Query())
		data := make([]any, 0, len(l.sessions))
		for _, s := range l.sessions {
			m := maps.Clone(fixture)
			maps.Copy(m, s)
			data = append(data, m)
		}
		l.mu.Unlock()
		list["data"], list["has_more"] = data, false
		if body, err = json.Marshal(list); err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept-Encoding")
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// env is the real app whose Stripe is stripe-mock behind a listing.
type env struct {
	*moneytest.Env
	list *listing
}

func newEnv(t *testing.T) *env {
	t.Helper()
	l := &listing{}
	e := moneytest.New(t, testDB, func(c *config.Config) { c.StripeAPIBase = l.front(t, c.StripeAPIBase) })
	return &env{Env: e, list: l}
}

// sale is a checkout opened through the real POST /checkout.
type sale struct {
	store *tenants.Tenant
	ck    moneytest.Checkout
	pi    string
}

func (e *env) open(t *testing.T) sale {
	t.Helper()
	store := e.Store(t, apptest.Unique("seller"))
	product := e.Product(t, store, "pack", catalog.Public)
	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Unique("buyer")+"@example.com", pw, "Buyer")
	return sale{store: store, ck: e.OpenCheckout(t, buyer, store, product), pi: "pi_" + apptest.Unique("rec")}
}

// session is the sale's Checkout Session as Stripe lists it once paid.
func (s sale) session() map[string]any {
	return stripetest.Session(s.ck.Session, strconv.FormatInt(s.ck.ID, 10), s.ck.Amount, s.pi, "paid")
}

// got is what the sale's store holds: orders, live entitlements, receipts
// owed, and the one order's status and session.
type got struct {
	Orders, Entitlements, Receipts int
	Status, Session                string
}

func (e *env) got(t *testing.T, s sale) got {
	t.Helper()
	g := got{
		Orders:       e.Count(t, "orders WHERE tenant_id = ?", s.store.ID),
		Entitlements: e.Count(t, "entitlements WHERE tenant_id = ? AND revoked_at IS NULL", s.store.ID),
		Receipts:     e.Count(t, "receipts_outbox r JOIN orders o ON o.id = r.order_id WHERE o.tenant_id = ?", s.store.ID),
	}
	if g.Orders == 1 {
		if err := e.DB.Primary.NewRaw(`SELECT status, stripe_checkout_session_id FROM orders WHERE tenant_id = ?`, s.store.ID).
			Scan(context.Background(), &g.Status, &g.Session); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

func (e *env) once(t *testing.T) reconcile.Report {
	t.Helper()
	rep, err := e.App.Reconciler.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped {
		t.Fatal("pass skipped: the lock was held")
	}
	return rep
}

// A checkout paid at Stripe whose webhook never came gets its order from
// the reconciler, once: a second pass, and then the late webhook, change
// nothing. A checkout whose webhook was delivered is left alone.
func TestLostWebhookOrderIsWrittenOnceAndDeliveredIsLeftAlone(t *testing.T) {
	e := newEnv(t)
	lost, delivered := e.open(t), e.open(t)
	e.Pay(t, delivered.ck, delivered.pi)
	before := e.got(t, delivered)
	if before.Orders != 1 {
		t.Fatalf("delivered sale before the pass: %+v", before)
	}
	e.list.set(lost.session(), delivered.session())

	first := e.once(t)
	if first.Sessions != 2 || first.Orders != 1 {
		t.Fatalf("first pass %+v, want 2 sessions listed and 1 order written", first)
	}
	want := got{Orders: 1, Entitlements: 1, Receipts: 1, Status: orders.StatusPaid, Session: lost.ck.Session}
	if g := e.got(t, lost); g != want {
		t.Fatalf("lost sale after the pass: %+v, want %+v", g, want)
	}
	if !strings.Contains(e.Log.String(), "order written for a session whose webhook never arrived") {
		t.Errorf("the fix is not in the log:\n%s", e.Log.String())
	}
	if v, _ := promtest.Value(t, e.App.Metrics.Registry, "claro_reconciled_total", "kind", "order"); v != 1 {
		t.Errorf("claro_reconciled_total{kind=order} = %v, want 1", v)
	}

	second := e.once(t)
	if second.Orders != 0 {
		t.Fatalf("second pass wrote %d orders", second.Orders)
	}
	if g := e.got(t, lost); g != want {
		t.Fatalf("lost sale after the second pass: %+v, want %+v", g, want)
	}
	if v, _ := promtest.Value(t, e.App.Metrics.Registry, "claro_reconciled_total", "kind", "order"); v != 1 {
		t.Errorf("claro_reconciled_total{kind=order} = %v after the second pass, want still 1", v)
	}
	e.Pay(t, lost.ck, lost.pi) // the webhook, late at last
	if g := e.got(t, lost); g != want {
		t.Fatalf("lost sale after its late webhook: %+v, want %+v", g, want)
	}
	if g := e.got(t, delivered); g != before {
		t.Fatalf("delivered sale changed: %+v, was %+v", g, before)
	}
	if n := e.Count(t, "stripe_events WHERE id = ?", orders.ReconcileEventPrefix+"paid:"+delivered.ck.Session); n != 0 {
		t.Fatalf("the delivered session was applied again (%d stand-in events)", n)
	}

	// The pass asked Stripe for completed sessions of the last 72 hours.
	qs := e.list.lists()
	if len(qs) != 2 {
		t.Fatalf("%d list calls, want 2", len(qs))
	}
	since, err := strconv.ParseInt(qs[0].Get("created[gte]"), 10, 64)
	if err != nil || qs[0].Get("status") != "complete" {
		t.Fatalf("list query %v", qs[0])
	}
	if d := time.Since(time.Unix(since, 0)); d < reconcile.Window-time.Minute || d > reconcile.Window+time.Minute {
		t.Fatalf("listed from %s ago, want %s", d, reconcile.Window)
	}
}

// A session listed for a checkout that paid another amount writes no order,
// in any number of passes, and is never counted as fixed.
func TestListedSessionWithAnotherAmountWritesNoOrder(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	sess := s.session()
	sess["amount_total"] = s.ck.Amount - 1
	e.list.set(sess)
	for range 2 {
		if rep := e.once(t); rep.Orders != 0 {
			t.Fatalf("pass %+v wrote an order", rep)
		}
	}
	if g := e.got(t, s); g.Orders != 0 || g.Entitlements != 0 {
		t.Fatalf("state %+v", g)
	}
}

// A store's Connect account whose stored state is older than a day is
// re-read from Stripe and its flags mirrored; a fresh one is not re-read.
func TestStaleAccountIsReadAgain(t *testing.T) {
	e := newEnv(t)
	stale, fresh := e.Store(t, apptest.Unique("stale")), e.Store(t, apptest.Unique("fresh"))
	for _, st := range []*tenants.Tenant{stale, fresh} {
		if _, err := e.DB.Primary.NewRaw(`INSERT INTO stripe_accounts (tenant_id, account_id, charges_enabled, updated_at)
			VALUES (?, ?, true, now() - ?::interval)`, st.ID, *st.StripeAccountID, map[bool]string{true: "2 days", false: "1 hour"}[st == stale]).
			Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []*tenants.Tenant{stale, fresh} {
		body, _ := json.Marshal(stripeproxy.Account{ChargesEnabled: true, PayoutsEnabled: true, DetailsSubmitted: true})
		resp, err := http.Post(e.Stripe.URL+stripeproxy.AccountsPath+*st.StripeAccountID, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("set account: %d", resp.StatusCode)
		}
	}
	if rep := e.once(t); rep.Accounts < 1 {
		t.Fatalf("pass %+v synced no account", rep)
	}
	payouts := func(st *tenants.Tenant) (stored, mirrored bool) {
		if err := e.DB.Primary.NewRaw(`SELECT sa.payouts_enabled, t.payouts_enabled FROM stripe_accounts sa JOIN tenants t ON t.id = sa.tenant_id
			WHERE sa.tenant_id = ?`, st.ID).Scan(context.Background(), &stored, &mirrored); err != nil {
			t.Fatal(err)
		}
		return stored, mirrored
	}
	if stored, mirrored := payouts(stale); !stored || !mirrored {
		t.Fatalf("stale account: payouts stored %v, mirrored %v; want both re-read as enabled", stored, mirrored)
	}
	if stored, _ := payouts(fresh); stored {
		t.Fatal("a fresh account was re-read")
	}
	if n := len(e.Stripe.Find(http.MethodGet, "/v1/accounts/"+*fresh.StripeAccountID)); n != 0 {
		t.Fatalf("fresh account fetched %d times", n)
	}
}

// A session whose completed (unpaid: a delayed method) webhook came, but
// whose async_payment_succeeded was lost, is listed paid: the pass pays its
// pending order, once.
func TestPendingOrderOfAPaidSessionIsPaid(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	resp, body := e.Deliver(t, "/webhooks/stripe", moneytest.SessionEvent("evt_"+apptest.Unique("unpaid"), "checkout.session.completed", s.ck, s.pi, "unpaid"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d\n%s", resp.StatusCode, body)
	}
	if g := e.got(t, s); g.Orders != 1 || g.Status != orders.StatusPending || g.Entitlements != 0 {
		t.Fatalf("before the pass: %+v", g)
	}
	e.list.set(s.session())
	for i, fixed := range []int{1, 0} {
		if rep := e.once(t); rep.Orders != fixed {
			t.Fatalf("pass %d: %+v, want %d orders fixed", i+1, rep, fixed)
		}
	}
	want := got{Orders: 1, Entitlements: 1, Receipts: 1, Status: orders.StatusPaid, Session: s.ck.Session}
	if g := e.got(t, s); g != want {
		t.Fatalf("after the passes: %+v, want %+v", g, want)
	}
}

// While another instance holds the reconciler's lock, a pass does nothing:
// no call to Stripe, no order. Released, the next pass writes the order.
func TestPassWaitsForTheLock(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	e.list.set(s.session())
	ctx := context.Background()
	conn, err := e.DB.Primary.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", reconcile.LockKey); err != nil {
		t.Fatal(err)
	}
	rep, err := e.App.Reconciler.Once(ctx)
	if err != nil || !rep.Skipped {
		t.Fatalf("pass under a held lock: %+v, %v; want skipped", rep, err)
	}
	if n := len(e.list.lists()); n != 0 || e.got(t, s).Orders != 0 {
		t.Fatalf("a skipped pass listed sessions (%d) or wrote an order", n)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", reconcile.LockKey); err != nil {
		t.Fatal(err)
	}
	if rep := e.once(t); rep.Orders != 1 {
		t.Fatalf("pass after release: %+v", rep)
	}
}
