package seed_test

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestDemoCoversFitTheirTitlesInBrowser draws every demo cover in Chromium
// and measures its text as rendered: each title line and the store name
// stay inside the cover's side margins.
func TestDemoCoversFitTheirTitlesInBrowser(t *testing.T) {
	covers := seed.DemoCovers()
	names := make([]string, 0, len(covers))
	for n := range covers {
		names = append(names, n)
	}
	sort.Strings(names)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString("<!doctype html><html><body style=\"margin:0\">")
		for _, n := range names {
			b.WriteString(`<div data-cover="` + n + `" style="width:800px;height:600px">`)
			b.Write(covers[n])
			b.WriteString("</div>")
		}
		b.WriteString("</body></html>")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	b := browsertest.NewPage(t, browsertest.Chromium(t))
	b.Open(srv.URL)
	b.WaitFor("the covers", `document.querySelectorAll('[data-cover] svg').length === `+strconv.Itoa(len(names)))
	// Every line's edges, as laid out, against the 800-pixel cover less its 60-pixel margins.
	bad, err := b.Text(`(() => {
		const out = [];
		for (const d of document.querySelectorAll('[data-cover]')) {
			for (const el of d.querySelectorAll('text.title tspan, text.store')) {
				const r = el.getBoundingClientRect();
				const dr = d.getBoundingClientRect();
				if (r.left < dr.left + 59 || r.right > dr.right - 59) out.push(d.dataset.cover + ': "' + el.textContent + '" ' + Math.round(r.left - dr.left) + '..' + Math.round(r.right - dr.left));
			}
		}
		return out.join("\n");
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	if bad != "" {
		t.Errorf("cover text leaves the cover's margins:\n%s", bad)
	}
}
