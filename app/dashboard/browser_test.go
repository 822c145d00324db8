package dashboard_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestCreatorSignsUpOpensAStoreAndPublishesAProductInBrowser walks a new
// creator through the real pages in Chromium: sign up, open a store, create a
// public product, upload its cover and a file, and find it on the storefront.
func TestCreatorSignsUpOpensAStoreAndPublishesAProductInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	browsertest.Start(t, e.App.Fiber, ln)
	ctx := browsertest.Chromium(t)
	b := browsertest.NewPage(t, ctx)

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
	b.SignUp(market, "Ada Harbor", email, password, func() string { return e.MailLink(t, email, "/verify") })

	// Open a store from the dashboard.
	b.Open(market + "/dashboard")
	b.WaitFor("the dashboard to show its stores page", `!!document.querySelector('a[href="/dashboard/stores/new"]')`)
	b.Must("follow “Open a store”", chromedp.Click(chromedp.CSS(`a[href="/dashboard/stores/new"]`)))
	b.WaitFor("the open-a-store form", `location.pathname === "/dashboard/stores/new" && !!document.querySelector('form[action="/dashboard/stores"] input[name="slug"]')`)
	b.Must("fill the store form",
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="name"]`), "Harbor Light Press"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="slug"]`), slug),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/stores"] button[type="submit"]`)),
	)
	base := "/dashboard/s/" + slug
	b.WaitFor("the new store's dashboard", `location.pathname === `+strconv.Quote(base))

	// Create a public product.
	b.Must("follow “New product”", chromedp.Click(chromedp.CSS(`a[href="`+base+`/products/new"]`)))
	form := `form[action="` + base + `/products"]`
	b.WaitFor("the new-product form", `location.pathname === `+strconv.Quote(base+"/products/new")+` && !!document.querySelector('`+form+` input[name="title"]')`)
	b.Must("fill the product form",
		chromedp.SendKeys(chromedp.CSS(form+` input[name="title"]`), title),
		chromedp.SendKeys(chromedp.CSS(form+` textarea[name="description"]`), "Twelve walks along the harbor at first light."),
		chromedp.SendKeys(chromedp.CSS(form+` input[name="price"]`), "12.50"),
		chromedp.SetValue(chromedp.CSS(form+` select[name="visibility"]`), "public"),
	)
	if v, err := b.Text(`document.querySelector('` + form + ` select[name="visibility"]').value`); err != nil || v != "public" {
		t.Fatalf("visibility select is %q (err %v), want public", v, err)
	}
	b.Must("submit the product form", chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	editPath := regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `/products/(\d+)/edit$`)
	b.WaitFor("the product's edit page", `/^`+strings.ReplaceAll(regexp.QuoteMeta(base), "/", `\/`)+`\/products\/\d+\/edit$/.test(location.pathname)`)
	loc, err := b.Text(`location.pathname`)
	if err != nil {
		t.Fatal(err)
	}
	m := editPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after creating the product the browser is at %q", loc)
	}
	productID := m[1]
	t.Logf("product %s created; editing at %s", productID, loc)
	b.WaitFor("htmx on the edit page (run make assets)", `typeof htmx !== 'undefined'`)

	// Upload the cover. A marker on window tells an htmx swap (it survives)
	// from a full page load (it does not); either is a working upload.
	b.Must("mark the page", chromedp.Evaluate[chromedp.Void](`window.__claroSamePage = true`))
	coverForm := `form[action="` + base + `/products/` + productID + `/cover"]`
	b.Must("choose and send the cover",
		chromedp.SetUploadFiles(chromedp.CSS(coverForm+` input[type="file"][name="cover"]`), []string{coverPath}),
		chromedp.Click(chromedp.CSS(coverForm+` button[type="submit"]`)),
	)
	b.WaitFor("the cover preview on the edit page", `(() => { const img = document.querySelector('img.cover-preview'); return !!img && img.getAttribute('src').startsWith('/media/') })()`)

	how, _ := b.Text(`window.__claroSamePage ? 'htmx' : 'a full page load'`)
	at, _ := b.Text(`location.pathname + location.search`)
	t.Logf("cover uploaded by %s; the browser shows %s", how, at)
	// Whatever URL the upload leaves in the address bar must reload as the
	// edit page, not as the POST-only upload address.
	if !strings.HasPrefix(at, loc+"?") && at != loc {
		t.Fatalf("after the cover upload the address bar holds %q, want the edit page %s", at, loc)
	}

	// Upload the file buyers download.
	filesForm := `form[action="` + base + `/products/` + productID + `/files"]`
	b.Must("choose and send the file",
		chromedp.SetUploadFiles(chromedp.CSS(filesForm+` input[type="file"][name="file"]`), []string{filePath}),
		chromedp.Click(chromedp.CSS(filesForm+` button[type="submit"]`)),
	)
	b.WaitFor("the file in the edit page's file list", `Array.from(document.querySelectorAll('.file-list li[id^="file-"]')).some(li => li.textContent.includes(`+strconv.Quote(fileName)+`))`)
	if at, _ := b.Text(`location.pathname`); at != loc {
		t.Fatalf("after the file upload the address bar holds %q, want the edit page %s", at, loc)
	}

	// The storefront lists the product with its cover.
	storefront := "http://" + slug + "." + root + "/"
	b.Open(storefront)
	card := `[data-product-id="` + productID + `"]`
	b.WaitFor("the product card on the storefront", `!!document.querySelector('`+card+`')`)
	got, err := b.Text(`document.querySelector('` + card + ` .card-title').textContent.trim()`)
	if err != nil || got != title {
		t.Fatalf("the card's title is %q (err %v), want %q", got, err, title)
	}
	src, err := b.Text(`(document.querySelector('` + card + ` .card-cover img') || {getAttribute: () => ''}).getAttribute('src') || ''`)
	if err != nil || !strings.HasPrefix(src, "/media/") {
		t.Fatalf("the card's cover <img> src is %q (err %v), want a /media/ URL", src, err)
	}
	b.Must("scroll the card into view", chromedp.ScrollIntoView(chromedp.CSS(card)))
	b.WaitFor("the card's cover image to load", `(() => { const img = document.querySelector('`+card+` .card-cover img'); return img.complete && img.naturalWidth > 0 })()`)

	// The product page lists the file under "What's included".
	b.Must("open the product from its card", chromedp.Click(chromedp.CSS(card+` a.card-link`)))
	b.WaitFor("the product page", `location.pathname.startsWith("/products/") && !!document.querySelector('article.product[data-product-id="`+productID+`"]')`)
	included, err := b.Text(`(() => {
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
	if h1, _ := b.Text(`document.querySelector('article.product h1').textContent.trim()`); h1 != title {
		t.Fatalf("the product page's heading is %q, want %q", h1, title)
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
