package browsertest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Page drives one browser tab with bounded waits, failing the test with what
// the browser shows when a wait runs out.
type Page struct {
	T   testing.TB
	Ctx context.Context
}

// NewPage returns a Page on the browser context ctx (from Chromium).
func NewPage(tb testing.TB, ctx context.Context) *Page { return &Page{T: tb, Ctx: ctx} }

// Text evaluates a JavaScript expression that gives a string.
func (p *Page) Text(expr string) (string, error) {
	return chromedp.Run(p.Ctx, chromedp.Evaluate[string](expr))
}

// Must runs steps or fails the test naming what was being done.
func (p *Page) Must(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.T.Helper()
	if err := chromedp.Do(p.Ctx, steps...); err != nil {
		p.T.Fatalf("%s: %v", what, err)
	}
}

// Open navigates to url and waits for its body.
func (p *Page) Open(url string) {
	p.T.Helper()
	p.Must("open "+url, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// WaitFor polls a JavaScript predicate for up to 15 seconds; an evaluation
// that fails while a page is being replaced counts as not yet.
func (p *Page) WaitFor(what, predicate string) {
	p.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var lastErr error
	for {
		ok, err := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](predicate))
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		if time.Now().After(deadline) {
			loc, _ := p.Text(`location.href`)
			body, _ := p.Text(`document.body ? document.body.innerText.slice(0, 600) : ''`)
			p.T.Fatalf("waited 15s for %s (last error %v); the browser is at %s showing:\n%s", what, lastErr, loc, body)
		}
		if err := chromedp.Do(p.Ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
			p.T.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// SignUp fills market's sign-up form as a person would, waits for "Check
// your inbox", then opens the verification link the sign-up mailed
// (verifyLink returns it as a path, e.g. apptest.Env.MailLink) and waits to
// land on the home page, signed in.
func (p *Page) SignUp(market, name, email, password string, verifyLink func() string) {
	p.T.Helper()
	p.Open(market + "/signup")
	p.Must("fill the sign-up form",
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="name"]`), name),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
	)
	p.WaitFor("the sign-up's check-your-inbox page", `document.body.innerText.includes("Check your inbox")`)
	p.Open(market + verifyLink())
	p.WaitFor("the verification link to land on the home page, signed in",
		`location.href === `+strconv.Quote(market+"/")+` && !!document.querySelector('form[action$="/logout"]')`)
}

// Fits is a WaitFor predicate: the window is w pixels wide and nothing on
// the page is wider (no sideways scrolling).
func Fits(w int) string {
	return `document.documentElement.scrollWidth <= window.innerWidth && window.innerWidth === ` + strconv.Itoa(w)
}
