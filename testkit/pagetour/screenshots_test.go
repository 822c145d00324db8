package pagetour_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/pagetour"
)

// shots are the pages `make screenshots` keeps, by their tour names.
var shots = map[string]bool{
	"home": true, "search": true, "storefront": true, "product": true, "cart": true,
	"library": true, "library-item": true, "dashboard-store": true, "dashboard-product-editor": true,
}

// TestScreenshots is `make screenshots`: the main pages on the demo data at
// 360 and 1280 px, as docs/screenshots/<page>-<width>.png (the window's
// first screenful). Without CLARO_SCREENSHOTS=1 it does nothing.
func TestScreenshots(t *testing.T) {
	if os.Getenv("CLARO_SCREENSHOTS") == "" {
		t.Skip("writes docs/screenshots: use make screenshots")
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tour := pagetour.Start(t)
	for _, who := range []func(*pagetour.Tour, *browsertest.Page) []pagetour.Stop{
		(*pagetour.Tour).Anonymous, (*pagetour.Tour).Buyer, (*pagetour.Tour).Creator,
	} {
		p := browsertest.NewPage(t, browsertest.Chromium(t))
		for _, stop := range who(tour, p) {
			if !shots[stop.Name] {
				continue
			}
			for _, size := range [][2]int64{{360, 740}, {1280, 800}} {
				p.Must("open "+stop.Name, chromedp.EmulateViewport(size[0], size[1]), chromedp.Navigate(stop.URL))
				p.WaitFor(stop.Name+"'s images", `document.readyState === 'complete' && [...document.images].every(i => i.complete || i.loading === 'lazy' && i.getBoundingClientRect().top > innerHeight)`)
				png, err := chromedp.Run(p.Ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatalf("screenshot of %s: %v", stop.Name, err)
				}
				name := filepath.Join(dir, fmt.Sprintf("%s-%d.png", stop.Name, size[0]))
				if err := os.WriteFile(name, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("%s (%d KB)", name, len(png)/1024)
			}
		}
	}
}
