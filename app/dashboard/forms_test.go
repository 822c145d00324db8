package dashboard_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

func productCount(t *testing.T, tenantID int64) int {
	t.Helper()
	n, err := testDB.Primary.NewSelect().Table("products").Where("tenant_id = ?", tenantID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestProductFormRefusesBadInputAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	base := "/dashboard/s/" + f.a.Slug
	good := url.Values{"title": {"Film Presets"}, "price": {"12.99"}, "currency": {"usd"}, "visibility": {"public"}, "tags": {"film, presets"}}
	cases := map[string]struct {
		field, value, msg string
	}{
		"negative price":        {"price", "-5", "Enter a price"},
		"price not a number":    {"price", "twelve", "Enter a price"},
		"price with exponent":   {"price", "1e9", "Enter a price"},
		"script in the title":   {"title", "<script>alert(1)</script>", "plain text"},
		"html in description":   {"description", "<img src=x onerror=alert(1)>", "plain text"},
		"bad slug":              {"slug", "Not A Slug!", "lowercase letters"},
		"colliding slug":        {"slug", "a-product", "uses that slug"},
		"unknown visibility":    {"visibility", "secret", "Choose public"},
		"unknown currency":      {"currency", "btc", "Choose USD"},
		"bad tag":               {"tags", "ok, <b>bad</b>", "Tags use"},
		"category not numeric":  {"category_id", "abc", "Choose a category"},
		"negative activations":  {"activation_limit", "-1", "Activations per key"},
		"too many activations":  {"activation_limit", "1001", "Activations per key"},
		"activations not whole": {"activation_limit", "2.5", "Activations per key"},
		"negative minimum":      {"pwyw_min", "-1", "Enter a minimum"},
		"minimum not a number":  {"pwyw_min", "five", "Enter a minimum"},
	}
	before := productCount(t, f.a.ID)
	for name, c := range cases {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(c.field, c.value)
		form.Set("_csrf", f.owner.CSRF(t, "", base+"/products/new"))
		resp, body := f.owner.PostForm(t, "", base+"/products", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.msg) {
			t.Errorf("%s: status %d, want 422 with %q", name, resp.StatusCode, c.msg)
		}
		if strings.Contains(body, "<script>alert(1)</script>") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: the input was echoed unescaped", name)
		}
		if !strings.Contains(body, "Film Presets") && c.field != "title" {
			t.Errorf("%s: the form did not keep the user's values", name)
		}
	}
	if after := productCount(t, f.a.ID); after != before {
		t.Fatalf("refused forms wrote products: %d -> %d", before, after)
	}
	// Missing or wrong CSRF token: 403, nothing written.
	for _, tok := range []string{"", "forged"} {
		form := url.Values{"_csrf": {tok}}
		for k, v := range good {
			form[k] = v
		}
		if resp, _ := f.owner.PostForm(t, "", base+"/products", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("csrf %q: status %d, want 403", tok, resp.StatusCode)
		}
	}
	if after := productCount(t, f.a.ID); after != before {
		t.Fatal("a request without a valid CSRF token wrote a product")
	}
	// The good form works and renders Markdown content safely.
	form := url.Values{"_csrf": {f.owner.CSRF(t, "", base+"/products/new")}, "content": {"# Welcome\n\n<script>x()</script>"},
		"license_keys": {"on"}, "activation_limit": {"5"}, "pwyw": {"on"}, "pwyw_min": {"4.5"}}
	for k, v := range good {
		form[k] = v
	}
	if resp, body := f.owner.PostForm(t, "", base+"/products", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good form: %d\n%s", resp.StatusCode, body)
	}
	var html string
	if err := testDB.Primary.NewRaw(`SELECT content_html FROM products WHERE tenant_id = ? AND slug = 'film-presets'`, f.a.ID).Scan(context.Background(), &html); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, "<h1") || strings.Contains(html, "<script") {
		t.Fatalf("content not rendered and sanitised: %q", html)
	}
	var keys bool
	var limit int
	if err := testDB.Primary.NewRaw(`SELECT license_keys, activation_limit FROM products WHERE tenant_id = ? AND slug = 'film-presets'`, f.a.ID).
		Scan(context.Background(), &keys, &limit); err != nil {
		t.Fatal(err)
	}
	if !keys || limit != 5 {
		t.Fatalf("license keys %v, limit %d: the form's license box was not saved", keys, limit)
	}
	var pwyw bool
	var min int64
	if err := testDB.Primary.NewRaw(`SELECT pwyw, pwyw_min_cents FROM products WHERE tenant_id = ? AND slug = 'film-presets'`, f.a.ID).
		Scan(context.Background(), &pwyw, &min); err != nil {
		t.Fatal(err)
	}
	if !pwyw || min != 450 {
		t.Fatalf("pay what you want %v, minimum %d: the form's box was not saved", pwyw, min)
	}
	// A minimum above the suggested price is refused, nothing written.
	before = productCount(t, f.a.ID)
	form.Set("slug", "film-presets-2")
	form.Set("pwyw_min", "13")
	form.Set("_csrf", f.owner.CSRF(t, "", base+"/products/new"))
	if resp, body := f.owner.PostForm(t, "", base+"/products", form); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "The minimum cannot be above the suggested price.") {
		t.Fatalf("minimum above the price: %d", resp.StatusCode)
	}
	if after := productCount(t, f.a.ID); after != before {
		t.Fatal("a refused form wrote a product")
	}
}

func TestStoreSlugRules(t *testing.T) {
	f := newFixture(t)
	for _, slug := range []string{"ab", "www", "admin", "dashboard", "static", "mail", "api", "-abc", "abc-", "Has Caps", "under_score", strings.Repeat("a", 41), f.a.Slug} {
		token := f.other.CSRF(t, "", "/dashboard/stores/new")
		resp, body := f.other.PostForm(t, "", "/dashboard/stores", url.Values{"_csrf": {token}, "slug": {slug}, "name": {"Shop"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "field-error") {
			t.Errorf("slug %q: status %d, want 422 with a message", slug, resp.StatusCode)
		}
	}
}

func upload(t *testing.T, b *apptest.Browser, path, field, name string, content []byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", b.CSRF(t, "", "/"))
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(content)
	w.Close()
	req := httptest.NewRequest(http.MethodPost, "http://"+apptest.Root+path, &body)
	req.Host = apptest.Root
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", "http://"+apptest.Root)
	return b.Do(t, req)
}

func pngBytes(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{uint8(x), 100, 200, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUploadsAreCheckedByContentAndSize(t *testing.T) {
	f := newFixture(t)
	cover := fmt.Sprintf("/dashboard/s/%s/products/%d/cover", f.a.Slug, f.product.ID)
	cases := map[string][]byte{
		"svg":             []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"html named .png": []byte("<html><body>hi</body></html>"),
		"oversized png":   append(pngBytes(t, 8, 8), bytes.Repeat([]byte{0}, 6<<20)...),
	}
	for name, content := range cases {
		resp, body := upload(t, f.owner, cover, "cover", "cover.png", content)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "PNG, JPEG, WebP or GIF") {
			t.Errorf("%s: status %d, want 422 naming the allowed types", name, resp.StatusCode)
		}
	}
	var key *string
	testDB.Primary.NewRaw(`SELECT cover_key FROM products WHERE id = ?`, f.product.ID).Scan(context.Background(), &key)
	if key != nil {
		t.Fatalf("a refused cover was saved: %v", *key)
	}
	if resp, _ := upload(t, f.owner, cover, "cover", "cover.png", pngBytes(t, 40, 30)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a real PNG was refused: %d", resp.StatusCode)
	}
	testDB.Primary.NewRaw(`SELECT cover_key FROM products WHERE id = ?`, f.product.ID).Scan(context.Background(), &key)
	if key == nil || !strings.HasSuffix(*key, ".png") {
		t.Fatalf("cover not saved: %v", key)
	}
	// The file upload stores the file and lists it on the product.
	files := fmt.Sprintf("/dashboard/s/%s/products/%d/files", f.a.Slug, f.product.ID)
	if resp, _ := upload(t, f.owner, files, "file", "guide.pdf", []byte("%PDF-1.4 a guide")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("file upload: %d", resp.StatusCode)
	}
	_, page := f.owner.Get(t, "", fmt.Sprintf("/dashboard/s/%s/products/%d/edit", f.a.Slug, f.product.ID))
	if !strings.Contains(page, "guide.pdf") {
		t.Fatal("uploaded file not listed")
	}
	if resp, _ := upload(t, f.owner, files, "file", "empty.txt", nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty file: %d, want 422", resp.StatusCode)
	}
}

func TestTheDashboardSaysWhyAProductIsNotInDiscovery(t *testing.T) {
	f := newFixture(t)
	base := "/dashboard/s/" + f.a.Slug
	cases := [][2]string{
		{"public", "until your store can take payments"},
		{"private", "Unlisted"},
		{"draft", "Draft: hidden everywhere"},
		{"payments on", ""},
		{"public", "In marketplace search"},
	}
	for _, c := range cases {
		vis, want := c[0], c[1]
		if vis == "payments on" {
			if _, err := testDB.Primary.NewRaw(`UPDATE tenants SET charges_enabled = true WHERE id = ?`, f.a.ID).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			continue
		}
		form := url.Values{"_csrf": {f.owner.CSRF(t, "", base)}, "visibility": {vis}}
		resp, row := f.owner.PostForm(t, "", fmt.Sprintf("%s/products/%d/visibility", base, f.product.ID), form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", vis, resp.StatusCode)
		}
		_, page := f.owner.Get(t, "", base)
		if !strings.Contains(page, want) {
			t.Errorf("visibility %s: the dashboard does not say %q\n%s", vis, want, row)
		}
	}
}

// The look-alike hole, closed through the real form: a store whose address
// or name passes for the platform (accounts.<root>, claro-support, a
// punycode homograph, "Claro Support" in mixed alphabets) is refused with a
// message saying the name is reserved, and nothing is created or renamed.
func TestCreateStoreFormRefusesNamesThatPassForThePlatform(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	create := func(slug, name string) (*http.Response, string) {
		t.Helper()
		token := f.other.CSRF(t, "", "/dashboard/stores/new")
		resp, body := f.other.PostForm(t, "", "/dashboard/stores", url.Values{"_csrf": {token}, "slug": {slug}, "name": {name}, "accent": {"#112233"}})
		return resp, html.UnescapeString(body)
	}
	tag := apptest.Unique("")
	for _, slug := range []string{"accounts", "claro-support", "signin-secure", "xn--clro-5qa", "c1aro-help", "acc0unts",
		"support-" + tag, "secure-login-" + tag} {
		resp, body := create(slug, "Harbor Light Press")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "That address is reserved") && !strings.Contains(body, "That name is reserved") {
			t.Errorf("slug %q: %d, want 422 saying the address is reserved", slug, resp.StatusCode)
		}
		if !strings.Contains(body, `value="Harbor Light Press"`) {
			t.Errorf("slug %q: the form does not keep the name typed", slug)
		}
		if _, err := tenants.NewStore(testDB.Primary).BySlug(ctx, slug); !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("slug %q: a store was created (%v)", slug, err)
		}
	}
	for name, want := range map[string]string{
		"Claro Support":   "That name is reserved",
		"C1aro":           "That name is reserved",
		"Сlaro Help":      "one alphabet", // a Cyrillic С
		"Shop\u202eorlac": "invisible",
	} {
		slug := apptest.Unique("lookalike")
		resp, body := create(slug, name)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("name %q: %d, want 422 saying %q", name, resp.StatusCode, want)
		}
		if _, err := tenants.NewStore(testDB.Primary).BySlug(ctx, slug); !errors.Is(err, tenants.ErrNotFound) {
			t.Errorf("name %q: a store was created (%v)", name, err)
		}
	}
	// Nor can an open store be renamed into one.
	token := f.owner.CSRF(t, "", "/dashboard/s/"+f.a.Slug+"/settings")
	resp, body := f.owner.PostForm(t, "", "/dashboard/s/"+f.a.Slug+"/settings", url.Values{"_csrf": {token}, "name": {"Claro Billing"}, "accent": {"#112233"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), "That name is reserved") {
		t.Errorf("renaming to Claro Billing: %d, want 422 saying the name is reserved", resp.StatusCode)
	}
	if got, err := tenants.NewStore(testDB.Primary).ByID(ctx, f.a.ID); err != nil || got.Name != f.a.Name {
		t.Errorf("store renamed to %q (%v)", got.Name, err)
	}
	// An ordinary store still opens.
	if resp, body := create(apptest.Unique("harbor-light"), "Harbor Light Press"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ordinary store: %d\n%s", resp.StatusCode, body)
	}
}
