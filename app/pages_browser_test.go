package app_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/pagetour"
)

// axePath is axe-core's browser build, from the npm devDependency (npm ci).
const axePath = "../node_modules/axe-core/axe.min.js"

// widths are the narrowest phone and a laptop: every page must fit both.
var widths = []int64{360, 1280}

// TestEveryPageKindFitsAndPassesAxeInBrowser opens every kind of page on the
// demo data (the marketplace, search, a storefront, a product, the cart,
// sign-in and sign-up, the 404 page, a buyer's library, library item and
// account, a creator's dashboard, store overview, product editor, sales,
// payments, domain and webhooks pages) at 360 and 1280 px in Chromium and asserts
// that nothing is wider than the window (documentElement.scrollWidth <=
// innerWidth) and that axe-core, injected into the page, finds no serious
// or critical violation, and no heading that skips a level.
func TestEveryPageKindFitsAndPassesAxeInBrowser(t *testing.T) {
	if browsertest.ExecPath() == "" {
		browsertest.Chromium(t) // skips, or fails in CI, naming what to install
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is not installed (npm ci installs the devDependencies): %v", err)
	}
	tour := pagetour.Start(t)
	for _, who := range []struct {
		name  string
		stops func(*pagetour.Tour, *browsertest.Page) []pagetour.Stop
	}{
		{"visitor", (*pagetour.Tour).Anonymous},
		{"buyer", (*pagetour.Tour).Buyer},
		{"creator", (*pagetour.Tour).Creator},
	} {
		t.Run(who.name, func(t *testing.T) {
			p := browsertest.NewPage(t, browsertest.Chromium(t))
			for _, stop := range who.stops(tour, p) {
				p.Open(stop.URL)
				for _, w := range widths {
					p.Must(fmt.Sprintf("%s at %dpx", stop.Name, w), chromedp.EmulateViewport(w, 800))
					checkPage(t, p, string(axe), fmt.Sprintf("%s (%s) at %dpx", stop.Name, stop.URL, w))
				}
			}
		})
	}
}

// checkPage asserts the open page fits the window and passes axe.
func checkPage(t *testing.T, p *browsertest.Page, axe, what string) {
	t.Helper()
	p.WaitFor(what+" laid out at its width", `document.readyState === 'complete'`)
	fit, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`(() => {
		const d = document.documentElement;
		if (d.scrollWidth <= innerWidth) return '';
		const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
			.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().replace(/\s+/g, '.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
		return 'scrollWidth ' + d.scrollWidth + ' > innerWidth ' + innerWidth + '; widest: ' + wide.join(', ');
	})()`))
	if err != nil {
		t.Fatalf("%s: measuring: %v", what, err)
	}
	if fit != "" {
		t.Errorf("%s overflows: %s", what, fit)
	}
	if ok, _ := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](`typeof axe !== 'undefined'`)); !ok {
		if _, err := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](axe+"\n;true")); err != nil {
			t.Fatalf("%s: injecting axe-core: %v", what, err)
		}
	}
	out, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical' || v.id === 'heading-order').map(v => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 200)),
		})))) `, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: running axe: %v", what, err)
	}
	var violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		t.Fatalf("%s: axe's answer %q: %v", what, out, err)
	}
	for _, v := range violations {
		t.Errorf("%s: axe %s (%s): %s\n    %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n    "))
	}
}
