package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func codeCount(t *testing.T, tenantID int64) int {
	t.Helper()
	var n int
	if err := testDB.Primary.NewRaw(`SELECT (SELECT count(*) FROM discount_codes WHERE tenant_id = ?) + (SELECT count(*) FROM discount_code_products WHERE tenant_id = ?)`,
		tenantID, tenantID).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTheDiscountFormRefusesBadInputAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	base := "/dashboard/s/" + f.a.Slug
	foreign := f.e.Product(t, f.b, "theirs", "public")
	good := url.Values{"code": {"SPRING25"}, "kind": {"percent"}, "value": {"25"}, "currency": {"usd"}, "scope": {"all"}}
	cases := map[string]struct {
		field, value, msg string
	}{
		"short code":          {"code", "A", "Use 2 to 40 letters"},
		"code with spaces":    {"code", "TWO WORDS", "Use 2 to 40 letters"},
		"code with markup":    {"code", "<b>x</b>", "Use 2 to 40 letters"},
		"taken code":          {"code", "acode", "This store has that code already"},
		"unknown kind":        {"kind", "free", "Choose a percent or a fixed amount off."},
		"percent over 100":    {"value", "101", "A percent off is a whole number from 1 to 100."},
		"percent zero":        {"value", "0", "A percent off is a whole number from 1 to 100."},
		"percent fraction":    {"value", "2.5", "A percent off is a whole number from 1 to 100."},
		"bad start":           {"starts_at", "tomorrow", "Enter a date and time (UTC)"},
		"end before start":    {"ends_at", "2026-01-01T00:00", "The end must come after the start."},
		"zero uses":           {"max_redemptions", "0", "A whole number from 1 to 1,000,000"},
		"negative per buyer":  {"max_per_buyer", "-2", "A whole number from 1 to 1,000,000"},
		"bad minimum":         {"min_order", "ten", "Enter a minimum order"},
		"no products chosen":  {"scope", "chosen", "Choose at least one product, or the whole store."},
		"another store's one": {"products", fmt.Sprint(foreign.ID), "Choose products from the list."},
		"products not ids":    {"products", "abc", "Choose products from the list."},
	}
	before := codeCount(t, f.a.ID)
	for name, c := range cases {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(c.field, c.value)
		if c.field == "ends_at" {
			form.Set("starts_at", "2026-06-01T00:00")
		}
		if c.field == "products" {
			form.Set("scope", "chosen")
		}
		form.Set("_csrf", f.owner.CSRF(t, "", base+"/discounts"))
		resp, body := f.owner.PostForm(t, "", base+"/discounts", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.msg) || !strings.Contains(body, "The code was not created") {
			t.Errorf("%s: status %d, want 422 with %q", name, resp.StatusCode, c.msg)
		}
		if strings.Contains(body, "<b>x</b>") {
			t.Errorf("%s: the input was echoed unescaped", name)
		}
	}
	form := url.Values{"kind": {"amount"}, "value": {"5"}, "currency": {"btc"}, "code": {"FIVE"}, "_csrf": {f.owner.CSRF(t, "", base+"/discounts")}}
	if resp, body := f.owner.PostForm(t, "", base+"/discounts", form); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose USD, EUR or GBP.") {
		t.Errorf("unknown currency: %d", resp.StatusCode)
	}
	if after := codeCount(t, f.a.ID); after != before {
		t.Fatalf("refused forms wrote codes: %d -> %d", before, after)
	}

	// The good form works, for chosen products, and the list shows it.
	form = url.Values{"_csrf": {f.owner.CSRF(t, "", base+"/discounts")}, "code": {"Fonts-10"}, "kind": {"amount"}, "value": {"10"},
		"currency": {"usd"}, "scope": {"chosen"}, "products": {fmt.Sprint(f.product.ID)}, "max_redemptions": {"50"},
		"max_per_buyer": {"1"}, "min_order": {"20"}, "starts_at": {"2026-01-01T09:30"}, "ends_at": {"2099-01-01T00:00"}}
	resp, body := f.owner.PostForm(t, "", base+"/discounts", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != base+"/discounts?notice=created" {
		t.Fatalf("good form: %d\n%s", resp.StatusCode, body)
	}
	var got struct {
		Kind   string `bun:"kind"`
		Value  int64  `bun:"value"`
		Max    int    `bun:"max_redemptions"`
		Per    int    `bun:"max_per_buyer"`
		Min    int64  `bun:"min_order_cents"`
		All    bool   `bun:"all_products"`
		Scope  int    `bun:"scope"`
		Starts string `bun:"starts"`
	}
	if err := testDB.Primary.NewRaw(`SELECT kind, value, max_redemptions, max_per_buyer, min_order_cents, all_products,
			to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS starts,
			(SELECT count(*) FROM discount_code_products p WHERE p.code_id = k.id AND p.product_id = ?) AS scope
		FROM discount_codes k WHERE tenant_id = ? AND code = 'Fonts-10'`, f.product.ID, f.a.ID).Scan(context.Background(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Kind != "amount" || got.Value != 1000 || got.Max != 50 || got.Per != 1 || got.Min != 2000 || got.All || got.Scope != 1 || got.Starts != "2026-01-01 09:30" {
		t.Fatalf("stored %+v", got)
	}
	_, body = f.owner.Get(t, "", base+"/discounts?notice=created")
	if !strings.Contains(body, "The code is created") || !strings.Contains(body, "Fonts-10") || !strings.Contains(body, "$10.00 off") || !strings.Contains(body, "0 of 50") {
		t.Fatalf("the list does not show the new code:\n%s", body)
	}
}

func TestArchivingACodeStopsItAndAnotherStoresCodeIsA404(t *testing.T) {
	f := newFixture(t)
	notFound := string(f.e.App.Errors.NotFoundBody())
	// Store B's owner names A's code on B's own dashboard: the 404 page, nothing changed.
	before := snapshot(t)
	path := fmt.Sprintf("/dashboard/s/%s/discounts/%d/archive", f.b.Slug, f.codeID)
	resp, body := f.other.PostForm(t, "", path, url.Values{"_csrf": {f.other.CSRF(t, "", "/dashboard/s/"+f.b.Slug+"/discounts")}})
	if resp.StatusCode != http.StatusNotFound || body != notFound || snapshot(t) != before {
		t.Fatalf("another store's code: %d", resp.StatusCode)
	}
	if _, body := f.other.Get(t, "", "/dashboard/s/"+f.b.Slug+"/discounts"); strings.Contains(body, "ACODE") {
		t.Fatal("store B's list shows store A's code")
	}
	path = fmt.Sprintf("/dashboard/s/%s/discounts/%d/archive", f.a.Slug, f.codeID)
	resp, _ = f.owner.PostForm(t, "", path, url.Values{"_csrf": {f.owner.CSRF(t, "", "/dashboard/s/"+f.a.Slug+"/discounts")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("archive: %d", resp.StatusCode)
	}
	if _, body := f.owner.Get(t, "", resp.Header.Get("Location")); !strings.Contains(body, "The code is archived") || !strings.Contains(body, ">archived<") {
		t.Fatalf("the list does not say the code is archived:\n%s", body)
	}
	// (A buyer's cart then calls it unknown: app/discounts' tests.)
}
