package dashboard_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/apptest"
	"github.com/claro-market/claro/app/browsertest"
	"github.com/claro-market/claro/app/config"
)

// TestCreatorSignsUpOpensAStoreAndPublishesAProductInBrowser walks a new
// creator through the real pages in Chromium: sign up, open a store, create a
// public product, upload its cover and a file, and find it on the storefront.
func TestCreatorSignsUpOpensAStoreAndPublishesAProductInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	browsertest.Start(t, e.App.Fiber, ln)
	ctx := browsertest.Chromium(t)
	b := &page{t: t, ctx: ctx}

	market := "http://" + root
	slug := apptest.Unique("browser-shop-")
	email := slug + "@example.com"
	const (
		password = "correct horse battery"
		title    = "Harbor Light Field Guide"
		fileName = "harbor-light-field-guide.txt"
	)
	dir := t.TempDir()
	coverPath := filepath.Join(dir, "cover.png")
	if err := os.WriteFile(coverPath, coverPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	filePath := filepath.Join(dir, fileName)
	if err := os.WriteFile(filePath, []byte(strings.Repeat("Chapter one: the harbor at dawn.\n", 40)), 0o600); err != nil {
		t.Fatal(err)
	}

	// Sign up.
	b.open(market + "/signup")
	b.must("fill the sign-up form",
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="name"]`), "Ada Harbor"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
	)
	b.waitFor("the sign-up to land on the home page", `location.href === `+strconv.Quote(market+"/"))

	// Open a store from the dashboard.
	b.open(market + "/dashboard")
	b.waitFor("the dashboard to show its stores page", `!!document.querySelector('a[href="/dashboard/stores/new"]')`)
	b.must("follow “Open a store”", chromedp.Click(chromedp.CSS(`a[href="/dashboard/stores/new"]`)))
	b.waitFor("the open-a-store form", `location.pathname === "/dashboard/stores/new" && !!document.querySelector('form[action="/dashboard/stores"] input[name="slug"]')`)
	b.must("fill the store form",
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="name"]`), "Harbor Light Press"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="slug"]`), slug),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/stores"] button[type="submit"]`)),
	)
	base := "/dashboard/s/" + slug
	b.waitFor("the new store's dashboard", `location.pathname === `+strconv.Quote(base))

	// Create a public product.
	b.must("follow “New product”", chromedp.Click(chromedp.CSS(`a[href="`+base+`/products/new"]`)))
	form := `form[action="` + base + `/products"]`
	b.waitFor("the new-product form", `location.pathname === `+strconv.Quote(base+"/products/new")+` && !!document.querySelector('`+form+` input[name="title"]')`)
	b.must("fill the product form",
		chromedp.SendKeys(chromedp.CSS(form+` input[name="title"]`), title),
		chromedp.SendKeys(chromedp.CSS(form+` textarea[name="description"]`), "Twelve walks along the harbor at first light."),
		chromedp.SendKeys(chromedp.CSS(form+` input[name="price"]`), "12.50"),
		chromedp.SetValue(chromedp.CSS(form+` select[name="visibility"]`), "public"),
	)
	if v, err := b.text(`document.querySelector('` + form + ` select[name="visibility"]').value`); err != nil || v != "public" {
		t.Fatalf("visibility select is %q (err %v), want public", v, err)
	}
	b.must("submit the product form", chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	editPath := regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `/products/(\d+)/edit$`)
	b.waitFor("the product's edit page", `/^`+strings.ReplaceAll(regexp.QuoteMeta(base), "/", `\/`)+`\/products\/\d+\/edit$/.test(location.pathname)`)
	loc, err := b.text(`location.pathname`)
	if err != nil {
		t.Fatal(err)
	}
	m := editPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after creating the product the browser is at %q", loc)
	}
	productID := m[1]
	t.Logf("product %s created; editing at %s", productID, loc)
	b.waitFor("htmx on the edit page (run make assets)", `typeof htmx !== 'undefined'`)

	// Upload the cover. A marker on window tells an htmx swap (it survives)
	// from a full page load (it does not); either is a working upload.
	b.must("mark the page", chromedp.Evaluate[chromedp.Void](`window.__claroSamePage = true`))
	coverForm := `form[action="` + base + `/products/` + productID + `/cover"]`
	b.must("choose and send the cover",
		chromedp.SetUploadFiles(chromedp.CSS(coverForm+` input[type="file"][name="cover"]`), []string{coverPath}),
		chromedp.Click(chromedp.CSS(coverForm+` button[type="submit"]`)),
	)
	b.waitFor("the cover preview on the edit page", `(() => { const img = document.querySelector('img.cover-preview'); return !!img && img.getAttribute('src').startsWith('/media/') })()`)

	how, _ := b.text(`window.__claroSamePage ? 'htmx' : 'a full page load'`)
	at, _ := b.text(`location.pathname + location.search`)
	t.Logf("cover uploaded by %s; the browser shows %s", how, at)
	// Whatever URL the upload leaves in the address bar must reload as the
	// edit page, not as the POST-only upload address.
	if !strings.HasPrefix(at, loc+"?") && at != loc {
		t.Fatalf("after the cover upload the address bar holds %q, want the edit page %s", at, loc)
	}

	// Upload the file buyers download.
	filesForm := `form[action="` + base + `/products/` + productID + `/files"]`
	b.must("choose and send the file",
		chromedp.SetUploadFiles(chromedp.CSS(filesForm+` input[type="file"][name="file"]`), []string{filePath}),
		chromedp.Click(chromedp.CSS(filesForm+` button[type="submit"]`)),
	)
	b.waitFor("the file in the edit page's file list", `Array.from(document.querySelectorAll('.file-list li[id^="file-"]')).some(li => li.textContent.includes(`+strconv.Quote(fileName)+`))`)
	if at, _ := b.text(`location.pathname`); at != loc {
		t.Fatalf("after the file upload the address bar holds %q, want the edit page %s", at, loc)
	}

	// The storefront lists the product with its cover.
	storefront := "http://" + slug + "." + root + "/"
	b.open(storefront)
	card := `[data-product-id="` + productID + `"]`
	b.waitFor("the product card on the storefront", `!!document.querySelector('`+card+`')`)
	got, err := b.text(`document.querySelector('` + card + ` .card-title').textContent.trim()`)
	if err != nil || got != title {
		t.Fatalf("the card's title is %q (err %v), want %q", got, err, title)
	}
	src, err := b.text(`(document.querySelector('` + card + ` .card-cover img') || {getAttribute: () => ''}).getAttribute('src') || ''`)
	if err != nil || !strings.HasPrefix(src, "/media/") {
		t.Fatalf("the card's cover <img> src is %q (err %v), want a /media/ URL", src, err)
	}
	b.must("scroll the card into view", chromedp.ScrollIntoView(chromedp.CSS(card)))
	b.waitFor("the card's cover image to load", `(() => { const img = document.querySelector('`+card+` .card-cover img'); return img.complete && img.naturalWidth > 0 })()`)

	// The product page lists the file under "What's included".
	b.must("open the product from its card", chromedp.Click(chromedp.CSS(card+` a.card-link`)))
	b.waitFor("the product page", `location.pathname.startsWith("/products/") && !!document.querySelector('article.product[data-product-id="`+productID+`"]')`)
	included, err := b.text(`(() => {
		const h = Array.from(document.querySelectorAll('article.product h2')).find(h => h.textContent.trim() === "What's included");
		if (!h) return '';
		const list = h.nextElementSibling;
		return list && list.matches('ul.file-list') ? list.textContent : '';
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(included, fileName) {
		t.Fatalf("the product page's “What's included” list is %q, want it to name %q", included, fileName)
	}
	if h1, _ := b.text(`document.querySelector('article.product h1').textContent.trim()`); h1 != title {
		t.Fatalf("the product page's heading is %q, want %q", h1, title)
	}
}

// page drives one tab with bounded waits.
type page struct {
	t   *testing.T
	ctx context.Context
}

// text evaluates a JavaScript expression that gives a string.
func (p *page) text(expr string) (string, error) {
	return chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
}

func (p *page) must(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func (p *page) open(url string) {
	p.t.Helper()
	p.must("open "+url, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// waitFor polls a JavaScript predicate for up to 15 seconds; an evaluation
// that fails while a page is being replaced counts as not yet.
func (p *page) waitFor(what, predicate string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var lastErr error
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](predicate))
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		if time.Now().After(deadline) {
			loc, _ := p.text(`location.href`)
			body, _ := p.text(`document.body ? document.body.innerText.slice(0, 600) : ''`)
			p.t.Fatalf("waited 15s for %s (last error %v); the browser is at %s showing:\n%s", what, lastErr, loc, body)
		}
		if err := chromedp.Do(p.ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
			p.t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

// coverPNG is a small real PNG: a diagonal gradient.
func coverPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 180, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
