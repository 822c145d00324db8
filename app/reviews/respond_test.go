package reviews_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/apptest"
)

// creator signs up an account that is a member of the shop's store.
func (e *env) creator(t *testing.T, s shop) *apptest.Browser {
	t.Helper()
	b := e.NewBrowser()
	email := apptest.Unique("creator") + "@example.com"
	b.SignUp(t, email, pw, "Maker")
	if _, err := e.DB.Primary.ExecContext(context.Background(),
		`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, 'owner' FROM users WHERE email = ?`, s.store.ID, email); err != nil {
		t.Fatal(err)
	}
	return b
}

func reviewID(t *testing.T, e *env, productID int64) int64 {
	t.Helper()
	var id int64
	if err := e.DB.Primary.QueryRowContext(context.Background(), `SELECT id FROM reviews WHERE product_id = ?`, productID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCreatorPostsOnePublicResponse(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	b, _ := e.buyer(t, s, true)
	post(t, b, s, "/products/field-guide/reviews", review("3", "", "Needs more maps."), true)
	id := reviewID(t, e, s.product.ID)
	path := fmt.Sprintf("/products/field-guide/reviews/%d/response", id)

	maker := e.creator(t, s)
	_, frag := maker.Get(t, s.host, "/products/field-guide/reviews")
	mustContain(t, frag, `name="response"`)
	resp, body := post(t, maker, s, path, url.Values{"response": {"Maps are coming in v2."}}, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("respond: %d\n%s", resp.StatusCode, body)
	}
	post(t, maker, s, path, url.Values{"response": {"Maps arrived in v2."}}, true)
	_, frag = b.Get(t, s.host, "/products/field-guide/reviews")
	mustContain(t, frag, "Response from "+s.store.Name, "Maps arrived in v2.")
	if strings.Contains(frag, "Maps are coming") || strings.Contains(frag, `name="response"`) {
		t.Fatalf("two responses, or a buyer sees the respond form:\n%s", frag)
	}

	// The buyer, another store's creator and HTML are refused; nothing changes.
	other := e.creator(t, e.shop(t))
	for name, c := range map[string]struct {
		b      *apptest.Browser
		text   string
		status int
	}{
		"buyer":         {b, "I own this store now", http.StatusForbidden},
		"other creator": {other, "Hijacked", http.StatusForbidden},
		"html":          {maker, "<script>alert(1)</script>", http.StatusUnprocessableEntity},
		"empty":         {maker, "   ", http.StatusUnprocessableEntity},
	} {
		if resp, body := post(t, c.b, s, path, url.Values{"response": {c.text}}, true); resp.StatusCode != c.status {
			t.Fatalf("%s: %d\n%s", name, resp.StatusCode, body)
		}
	}
	if n := e.Count(t, `SELECT count(*) FROM reviews WHERE id = ? AND response = 'Maps arrived in v2.'`, id); n != 1 {
		t.Fatal("a refused response changed the review")
	}
	// A review of another product is not reachable through this product's URL.
	s2 := e.shop(t)
	if resp, _ := post(t, e.creator(t, s2), s2, path, url.Values{"response": {"x"}}, true); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("cross-store review id: %d", resp.StatusCode)
	}
}

func TestReviewTextIsPlainAndBounded(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	b, _ := e.buyer(t, s, true)
	for name, c := range map[string]struct{ rating, title, body, msg string }{
		"html body":    {"5", "", `<img src=x onerror=alert(1)>`, "contains HTML"},
		"html title":   {"5", "<b>Wow</b>", "Fine.", "contains HTML"},
		"entity":       {"5", "", "Tom &amp; Jerry", "contains HTML"},
		"empty body":   {"5", "", "   ", "is empty"},
		"long body":    {"5", "", strings.Repeat("a", 5001), "too long"},
		"long title":   {"5", strings.Repeat("t", 121), "Fine.", "too long"},
		"rating 0":     {"0", "", "Fine.", "Choose a rating"},
		"rating 6":     {"6", "", "Fine.", "Choose a rating"},
		"rating text":  {"five", "", "Fine.", "Choose a rating"},
		"rating 4.5":   {"4.5", "", "Fine.", "Choose a rating"},
		"control char": {"5", "", "Fine\u0007.", "control characters"}, // a NUL never gets this far: web.CleanForm answers 400
	} {
		resp, body := post(t, b, s, "/products/field-guide/reviews", review(c.rating, c.title, c.body), true)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.msg) {
			t.Fatalf("%s: %d, want 422 with %q\n%s", name, resp.StatusCode, c.msg, body)
		}
	}
	if n := e.reviewCount(t, s.product.ID); n != 0 {
		t.Fatalf("%d reviews written by refused forms", n)
	}
	// Plain text that merely looks like code is kept, and escaped on the page.
	resp, body := post(t, b, s, "/products/field-guide/reviews", review("5", "", "a < b and 5 > 3 <3"), true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("plain text: %d\n%s", resp.StatusCode, body)
	}
	mustContain(t, body, "a &lt; b and 5 &gt; 3 &lt;3")
}

func TestOversizedReviewIsRefusedBeforeAnythingReadsIt(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	b, _ := e.buyer(t, s, true)
	token := b.CSRF(t, s.host, "/cart")
	var cookies []string
	for _, c := range b.Jar.Cookies(&url.URL{Scheme: "http", Host: s.host, Path: "/"}) {
		cookies = append(cookies, c.String())
	}
	// Announce 5 MiB (under the app-wide 8 MiB cap) and send 256 KiB: the
	// route's own cap answers from the header.
	resp := e.SendPartial(t, fmt.Sprintf("POST /products/field-guide/reviews HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"HX-Request: true\r\nX-CSRF-Token: %s\r\nCookie: %s\r\nContent-Length: %d\r\n\r\n",
		s.host, token, strings.Join(cookies, "; "), 5<<20), []byte("rating=5&body="+strings.Repeat("a", 256<<10)))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("5 MiB review: %d, want 413", resp.StatusCode)
	}
	if n := e.reviewCount(t, s.product.ID); n != 0 {
		t.Fatalf("%d reviews written", n)
	}
}
