package search_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestHeaderSearchSuggestsAsYouTypeAndOpensTheChosenProductInBrowser types
// into the marketplace header's box: the dropdown opens as a combobox, the
// arrow keys move aria-activedescendant, Escape closes it, Enter opens the
// product.
func TestHeaderSearchSuggestsAsYouTypeAndOpensTheChosenProductInBrowser(t *testing.T) {
	ctx := browsertest.Chromium(t)
	word := uniqueWord("quasarmint")
	st := newStore(t)
	first := newProduct(t, st, "Alpha "+word+" Brushes")
	second := newProduct(t, st, "Beta "+word+" Textures")

	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	browsertest.Start(t, e.App.Fiber, ln)
	b := &tab{t: t, ctx: ctx}
	b.open("http://" + root + "/")
	b.waitFor("htmx on the page (run make assets)", `typeof htmx !== 'undefined'`)
	box := `.header-search input[role="combobox"]`
	b.must("type into the header box", chromedp.Click(chromedp.CSS(box)), chromedp.SendKeys(chromedp.CSS(box), word[:len(word)-1]))
	b.waitFor("the suggestions", `document.querySelector('`+box+`').getAttribute('aria-expanded') === 'true' &&
		document.querySelectorAll('#search-suggest [role="option"]').length >= 3 &&
		!document.querySelector('.header-search').hasAttribute('aria-busy')`)
	titles := b.text(`document.getElementById('search-suggest').textContent`)
	if !strings.Contains(titles, first.Title) || !strings.Contains(titles, second.Title) {
		t.Fatalf("the dropdown reads %q, want both products", titles)
	}
	active := `(document.querySelector('` + box + `').getAttribute('aria-activedescendant') || '')`
	b.must("arrow down twice", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	if got := b.text(active); got != "suggest-product-1" {
		t.Fatalf("after two ArrowDowns the active option is %q, want suggest-product-1", got)
	}
	b.must("arrow up", chromedp.KeyEvent(kb.ArrowUp))
	if got := b.text(active); got != "suggest-product-0" {
		t.Fatalf("after ArrowUp the active option is %q, want suggest-product-0", got)
	}
	if sel := b.text(`document.getElementById('suggest-product-0').getAttribute('aria-selected')`); sel != "true" {
		t.Fatalf("the active option has aria-selected %q", sel)
	}
	b.must("Escape", chromedp.KeyEvent(kb.Escape))
	b.waitFor("the dropdown to close, the text kept", `document.getElementById('search-suggest').hidden &&
		document.querySelector('`+box+`').getAttribute('aria-expanded') === 'false' &&
		document.querySelector('`+box+`').value === `+"'"+word[:len(word)-1]+"'")

	// Typing again opens it; Enter on an option opens that product.
	b.must("type the last letter", chromedp.SendKeys(chromedp.CSS(box), word[len(word)-1:]))
	// Settled: the list open and no request in flight (the form is
	// aria-busy while one runs), so no late answer replaces the options.
	b.waitFor("the suggestions again", `!document.getElementById('search-suggest').hidden &&
		!document.querySelector('.header-search').hasAttribute('aria-busy') && !!document.getElementById('suggest-product-0')`)
	wantTitle := b.text(`document.querySelector('#suggest-product-0 .suggest-title').textContent`)
	b.must("choose the first", chromedp.KeyEvent(kb.ArrowDown))
	b.waitFor("the first option to be active", active+` === 'suggest-product-0'`)
	b.must("press Enter", chromedp.KeyEvent(kb.Enter))
	b.waitFor("the product page", `location.pathname.startsWith('/products/')`)
	// Its own requests (the cart badge) answered before the server stops.
	b.waitFor("the product page to settle", `document.readyState === 'complete' && typeof htmx !== 'undefined' &&
		!document.querySelector('[aria-busy="true"]') && !document.querySelector('#cart-count[hx-get]')`)
	if got := b.text(`document.title`); !strings.Contains(got, wantTitle) {
		t.Fatalf("Enter opened %q, want the product %q", got, wantTitle)
	}
}
