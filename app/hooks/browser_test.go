package hooks_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/peertest"
)

// The owner adds an endpoint, reads its secret, sends a test event, finds
// it delivered in the log and opens its details, in Chromium; the page and
// the delivery's page fit a phone and a desktop window, and a refused URL
// says why.
func TestTheWebhooksPageInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	store := e.Store(t, apptest.Unique("hooksb"))
	ownerEmail := apptest.Email("hbowner")
	browsertest.Start(t, e.App.Fiber, ln)
	r := newReceiver(t)
	runWorker(t, e, fastOptions())
	t.Cleanup(func() {
		_, _ = e.DB.Primary.NewRaw(`UPDATE hook_deliveries SET status = 'failed' WHERE tenant_id = ? AND status = 'pending'`, store.ID).
			Exec(context.Background())
	})

	b := browsertest.NewPage(t, browsertest.Chromium(t))
	market := "http://" + root
	b.SignUp(market, "Owner", ownerEmail, "a long enough password", func() string { return e.MailLink(t, ownerEmail, "/verify") })
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, 'owner' FROM users WHERE email = ?`,
		store.ID, ownerEmail).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	page := market + "/dashboard/s/" + store.Slug + "/webhooks"

	// On a phone: a refused URL first, then the endpoint.
	b.Must("a phone-sized window", chromedp.EmulateViewport(360, 740))
	b.Open(page)
	b.WaitFor("the empty webhooks page fitting 360 px", `document.body.innerText.includes("No endpoints yet") && `+browsertest.Fits(360))
	b.Must("add an ftp URL",
		chromedp.SendKeys(chromedp.CSS(`form[action$="/webhooks"] input[name="url"]`), "ftp://example.com/x"),
		chromedp.Click(chromedp.CSS(`form[action$="/webhooks"] button[type="submit"]`)))
	b.WaitFor("the refusal", `(document.querySelector('[role="alert"]') || {}).innerText === "The URL must start with https://."`)
	b.WaitFor("the refused page fitting 360 px", browsertest.Fits(360))
	b.Must("add the receiver",
		chromedp.SetValue(chromedp.CSS(`form[action$="/webhooks"] input[name="url"]`), r.URL()),
		chromedp.Click(chromedp.CSS(`input[name="events"][value="refund"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/webhooks"] button[type="submit"]`)))
	b.WaitFor("the added notice", `document.body.innerText.includes("The endpoint is added") && !!document.querySelector('.hook-item')`)
	b.WaitFor("the page with an endpoint fitting 360 px", browsertest.Fits(360))

	var id int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM hook_endpoints WHERE tenant_id = ?`, store.ID).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	secret := e.App.Hooks.Secret(id, 1)
	r.trust(secret)
	b.Must("show the secret", chromedp.Click(chromedp.CSS(`.hook-secret summary`)))
	b.WaitFor("the secret, visible", `(() => { const s = document.querySelector('[data-secret="current"]');
		return s && s.innerText === `+strconv.Quote(secret)+` && s.getBoundingClientRect().width > 0 })()`)
	b.WaitFor("the shown secret fitting 360 px", browsertest.Fits(360))

	b.Must("send a test event", chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)))
	b.WaitFor("the test notice", `document.body.innerText.includes("A test event is on its way")`)
	waitFor(t, 15*time.Second, "the test event delivered", func() bool {
		return e.Count(t, `hook_deliveries WHERE tenant_id = ? AND status = 'delivered'`, store.ID) == 1
	})
	b.Must("a desktop window", chromedp.EmulateViewport(1280, 800))
	b.Open(page)
	b.WaitFor("the delivered test event in the log", `(() => { const row = document.querySelector('.hook-deliveries tbody tr');
		return row && row.innerText.includes("test") && row.innerText.includes("delivered") && row.innerText.includes("200 in") })()`)
	b.WaitFor("the webhooks page fitting 1280 px", browsertest.Fits(1280))
	axe(t, b, "the webhooks page with an endpoint and a delivery")

	b.Must("open the delivery", chromedp.Click(chromedp.CSS(`.hook-deliveries a.btn`)))
	b.WaitFor("the delivery's request and answer", `document.body.innerText.includes("A test event from the Claro dashboard.") &&
		document.body.innerText.includes('{"received":true}') && document.body.innerText.includes("answered 200")`)
	b.WaitFor("the delivery page fitting 1280 px", browsertest.Fits(1280))
	axe(t, b, "a delivery's page")
	b.Must("a phone-sized window", chromedp.EmulateViewport(360, 740))
	b.WaitFor("the delivery page fitting 360 px", browsertest.Fits(360))
	b.Must("redeliver", chromedp.Click(chromedp.CSS(`form[action$="/redeliver"] button`)))
	b.WaitFor("the redelivered notice", `document.body.innerText.includes("The delivery is queued again")`)
	waitFor(t, 15*time.Second, "the redelivery's attempt", func() bool {
		return e.Count(t, `hook_attempts WHERE tenant_id = ? AND status_code = 200`, store.ID) == 2
	})
	if _, bad, seen, _ := r.snapshot(); len(bad) != 0 || len(seen) != 1 {
		t.Fatalf("the receiver: refused %v, events %v", bad, seen)
	}
	var events []string
	if err := e.DB.Primary.NewRaw(`SELECT unnest(events) FROM hook_endpoints WHERE id = ?`, id).Scan(context.Background(), &events); err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0] != hooks.Sale || events[1] != hooks.Refund {
		t.Fatalf("the endpoint's events: %v, want sale (ticked already) and refund", events)
	}
}

// axe runs axe-core (the npm devDependency) on b's page and fails t for
// any serious or critical violation, or a heading that skips a level.
func axe(t *testing.T, b *browsertest.Page, what string) {
	t.Helper()
	src, err := os.ReadFile("../../node_modules/axe-core/axe.min.js")
	if err != nil {
		peertest.Missing(t, "axe-core is not installed (npm ci installs the devDependencies)")
	}
	if _, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](string(src)+"\n;true")); err != nil {
		t.Fatalf("%s: injecting axe-core: %v", what, err)
	}
	out, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical' || v.id === 'heading-order')
			.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: running axe: %v", what, err)
	}
	var violations []string
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		t.Fatalf("%s: axe's answer %q: %v", what, out, err)
	}
	if len(violations) > 0 {
		t.Errorf("%s: axe:\n  %s", what, strings.Join(violations, "\n  "))
	}
}
