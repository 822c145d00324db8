package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/api"
	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

func upload(t *testing.T, e *moneytest.Env, token, path, name string, content []byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	req := httptest.NewRequest(http.MethodPost, "http://"+apptest.Root+path, &body)
	req.Host = apptest.Root
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return e.Do(t, req)
}

// A product made, changed, published and given a file through the API,
// as the editor would; every bad body is refused with its reason and
// writes nothing.
func TestAProductIsCreatedUpdatedPublishedAndGivenAFile(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := newStore(t, e, "prod")
	tok := makeToken(t, s.owner, s.t, "editor", apitokens.ProductsRead, apitokens.ProductsWrite)
	slug := apptest.Unique("preset-pack")

	before := snapshot(t, e, s.t.ID)
	for _, c := range []struct {
		name, body string
		status     int
		code       string
		fields     []string
	}{
		{"no title, negative price", `{"price_cents":-5}`, 422, "validation_failed", []string{"title", "price_cents"}},
		{"no price", `{"title":"Thing"}`, 422, "validation_failed", []string{"price_cents"}},
		{"bad slug and tags", `{"title":"Thing","price_cents":100,"slug":"Not A Slug","tags":["ok","a,b"]}`, 422, "validation_failed", []string{"slug", "tags"}},
		{"unknown category", `{"title":"Thing","price_cents":100,"category_id":987654321}`, 422, "validation_failed", []string{"category_id"}},
		{"too expensive", `{"title":"Thing","price_cents":100000001}`, 422, "validation_failed", []string{"price_cents"}},
		{"unknown field", `{"title":"Thing","price_cents":100,"owner":"me"}`, 400, "invalid_request", nil},
		{"a NUL escape", `{"title":"Thi\u0000ng","price_cents":100}`, 400, "invalid_request", nil},
		{"a wrong type", `{"title":"Thing","price_cents":"100"}`, 400, "invalid_request", nil},
		{"two values", `{"title":"Thing","price_cents":100}{}`, 400, "invalid_request", nil},
		{"not JSON", `title=Thing`, 400, "invalid_request", nil},
	} {
		resp, body := call(t, e, tok, http.MethodPost, "/api/v1/products", c.body)
		r := refusal(t, body)
		if resp.StatusCode != c.status || r.Error.Code != c.code {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
		}
		for _, f := range c.fields {
			if r.Error.Fields[f] == "" {
				t.Errorf("%s: no reason for %s: %s", c.name, f, body)
			}
		}
	}
	// A raw NUL byte, and a body that is not JSON at all by its type.
	req := httptest.NewRequest(http.MethodPost, "http://"+apptest.Root+"/api/v1/products", strings.NewReader("{\"title\":\"a\x00\"}"))
	req.Host, req.Header = apptest.Root, http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + tok}}
	if resp, body := e.Do(t, req); resp.StatusCode != http.StatusBadRequest || refusal(t, body).Error.Code != "invalid_request" {
		t.Errorf("a NUL byte: %d %s", resp.StatusCode, body)
	}
	req = httptest.NewRequest(http.MethodPost, "http://"+apptest.Root+"/api/v1/products", strings.NewReader(`{"title":"a","price_cents":1}`))
	req.Host, req.Header = apptest.Root, http.Header{"Content-Type": {"text/plain"}, "Authorization": {"Bearer " + tok}}
	if resp, body := e.Do(t, req); resp.StatusCode != http.StatusUnsupportedMediaType || refusal(t, body).Error.Code != "unsupported_media_type" {
		t.Errorf("a text/plain body: %d %s", resp.StatusCode, body)
	}
	// Over the body cap (1 MiB): refused before it is read, in the API's shape.
	huge := `{"title":"big","price_cents":1,"content_md":"` + strings.Repeat("x", 1<<20) + `"}`
	if resp, body := call(t, e, tok, http.MethodPost, "/api/v1/products", huge); resp.StatusCode != http.StatusRequestEntityTooLarge ||
		refusal(t, body).Error.Code != "body_too_large" {
		t.Errorf("an oversized body: %d %s", resp.StatusCode, body)
	}
	if after := snapshot(t, e, s.t.ID); after != before {
		t.Fatal("a refused create changed rows")
	}

	// Created: a draft, with the editor's defaults.
	resp, body := call(t, e, tok, http.MethodPost, "/api/v1/products", map[string]any{
		"title": "Film Preset Pack", "slug": slug, "price_cents": 1299, "tags": []string{"film", "Lightroom"}, "description": "Twelve presets."})
	var p api.Product
	decodeInto(t, body, &p)
	if resp.StatusCode != http.StatusCreated || p.Visibility != "draft" || p.PriceCents != 1299 || p.Currency != "usd" ||
		strings.Join(p.Tags, ",") != "film,lightroom" || p.ActivationLimit != 3 || p.PublishedAt != nil ||
		resp.Header.Get("Location") != "/api/v1/products/"+strconv.FormatInt(p.ID, 10) {
		t.Fatalf("create: %d %+v", resp.StatusCode, p)
	}
	if n := e.Count(t, "products WHERE id = ? AND tenant_id = ? AND visibility = 'draft' AND slug = ?", p.ID, s.t.ID, slug); n != 1 {
		t.Fatal("the product is not stored as a draft of the store")
	}
	if resp, body := call(t, e, tok, http.MethodPost, "/api/v1/products", map[string]any{"title": "Again", "slug": slug, "price_cents": 1}); resp.StatusCode != 422 ||
		refusal(t, body).Error.Fields["slug"] == "" {
		t.Errorf("a taken slug: %d %s", resp.StatusCode, body)
	}

	// Updated: only the fields sent change.
	path := "/api/v1/products/" + strconv.FormatInt(p.ID, 10)
	resp, body = call(t, e, tok, http.MethodPatch, path, map[string]any{"price_cents": 1500, "license_keys": true, "activation_limit": 5})
	var u api.Product
	decodeInto(t, body, &u)
	if resp.StatusCode != http.StatusOK || u.PriceCents != 1500 || !u.LicenseKeys || u.ActivationLimit != 5 ||
		u.Title != "Film Preset Pack" || u.Description != "Twelve presets." || u.Slug != slug || u.Visibility != "draft" {
		t.Fatalf("update: %d %+v", resp.StatusCode, u)
	}
	before = snapshot(t, e, s.t.ID)
	if resp, body := call(t, e, tok, http.MethodPatch, path, `{"title":""}`); resp.StatusCode != 422 || refusal(t, body).Error.Fields["title"] == "" {
		t.Errorf("an empty title: %d %s", resp.StatusCode, body)
	}
	if resp, body := call(t, e, tok, http.MethodPost, path+"/publish", `{"visibility":"everywhere"}`); resp.StatusCode != 422 ||
		refusal(t, body).Error.Fields["visibility"] == "" {
		t.Errorf("an unknown visibility: %d %s", resp.StatusCode, body)
	}
	if after := snapshot(t, e, s.t.ID); after != before {
		t.Fatal("a refused update changed rows")
	}

	// Published (public by default), stamped once; on the storefront's
	// home page, which was read a moment before.
	if _, home := e.Get(t, apptest.StoreHost(s.t.Slug), "/"); strings.Contains(home, "Film Preset Pack") {
		t.Fatal("the draft is on the storefront")
	}
	resp, body = call(t, e, tok, http.MethodPost, path+"/publish", nil)
	var pub api.Product
	decodeInto(t, body, &pub)
	if resp.StatusCode != http.StatusOK || pub.Visibility != "public" || pub.PublishedAt == nil {
		t.Fatalf("publish: %d %s", resp.StatusCode, body)
	}
	if _, home := e.Get(t, apptest.StoreHost(s.t.Slug), "/"); !strings.Contains(home, "Film Preset Pack") {
		t.Fatal("the published product is not on the storefront's home page")
	}
	if resp, page := e.Get(t, apptest.StoreHost(s.t.Slug), "/products/"+slug); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Film Preset Pack") {
		t.Fatalf("the published product's page: %d", resp.StatusCode)
	}

	// A file: stored, listed on the product.
	zip := append([]byte("PK\x03\x04"), bytes.Repeat([]byte("z"), 2000)...)
	resp, body = upload(t, e, tok, path+"/files", "presets.zip", zip)
	var f api.File
	decodeInto(t, body, &f)
	if resp.StatusCode != http.StatusCreated || f.Name != "presets.zip" || f.SizeBytes != int64(len(zip)) {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	_, body = call(t, e, tok, http.MethodGet, path, nil)
	var got api.Product
	decodeInto(t, body, &got)
	if len(got.Files) != 1 || got.Files[0].ID != f.ID {
		t.Fatalf("the product's files: %+v", got.Files)
	}
	if n := e.Count(t, "product_files WHERE id = ? AND tenant_id = ? AND product_id = ?", f.ID, s.t.ID, p.ID); n != 1 {
		t.Fatal("the file row is not the product's")
	}
	// A file without a field, or without the multipart type, is refused and stores nothing.
	before = snapshot(t, e, s.t.ID)
	if resp, body := call(t, e, tok, http.MethodPost, path+"/files", `{"file":"x"}`); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("a JSON upload: %d %s", resp.StatusCode, body)
	}
	if resp, body := upload(t, e, tok, path+"/files", "..", zip); resp.StatusCode != 422 || refusal(t, body).Error.Fields["file"] == "" {
		t.Errorf("an unusable file name: %d %s", resp.StatusCode, body)
	}
	if after := snapshot(t, e, s.t.ID); after != before {
		t.Fatal("a refused upload changed rows")
	}
	// A token without products:write may read but not write.
	reader := makeToken(t, s.owner, s.t, "reader", apitokens.ProductsRead)
	if resp, _ := call(t, e, reader, http.MethodGet, path, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("read: %d", resp.StatusCode)
	}
	if resp, body := upload(t, e, reader, path+"/files", "x.zip", zip); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(refusal(t, body).Error.Message, apitokens.ProductsWrite) {
		t.Fatalf("an upload without products:write: %d %s", resp.StatusCode, body)
	}
}
