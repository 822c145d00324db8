package app_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestAddToCartWorksUnderTheCSPInBrowser loads a product page in Chromium
// under the real Content-Security-Policy, clicks Add to cart (an htmx POST)
// and sees the cart counter and message update, with no CSP violation and no
// console error or exception on the page.
func TestAddToCartWorksUnderTheCSPInBrowser(t *testing.T) {
	ctx := browsertest.Chromium(t)
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	store := e.Store(t, apptest.Unique("csp"))
	p := e.Product(t, store, "brushes", catalog.Public)
	browsertest.Start(t, e.App.Fiber, ln)

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				problems = append(problems, "console "+string(ev.Type)+": "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}

	b := browsertest.NewPage(t, ctx)
	b.Open("http://" + store.Slug + "." + root + "/products/" + p.Slug)
	b.WaitFor("htmx on the product page", `typeof htmx !== 'undefined' && !!document.querySelector('#cart-count')`)
	// The layout's htmx-config took effect: htmx injected no <style> (which
	// the CSP would refuse) and evaluates nothing.
	b.WaitFor("htmx's config from the layout", `htmx.config.includeIndicatorStyles === false && htmx.config.allowEval === false && document.querySelectorAll('style').length === 0`)
	if _, err := b.Text(`window.__csp = [];
		document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); ''`); err != nil {
		t.Fatal(err)
	}
	b.Must("click Add to cart", chromedp.Click(chromedp.CSS(`form.buy-form button[type=submit]`)))
	b.WaitFor("the cart to update", `document.querySelector('#cart-count').textContent.trim() === '1' &&
		(document.querySelector('#cart-status') || {textContent: ''}).textContent.includes('Added') && window.__csp !== undefined`)
	if v, _ := b.Text(`window.__csp ? window.__csp.join('; ') : 'page reloaded: the click was not an htmx request'`); v != "" {
		t.Fatalf("CSP violations: %s", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("the page reported:\n%s", strings.Join(problems, "\n"))
	}
}
