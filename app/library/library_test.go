package library_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
)

const pw = "a long enough password"

func withContent(p *catalog.Product) {
	p.ContentHTML = "<p>The secret recipe.</p>"
}

func addFile(t *testing.T, e *moneytest.Env, p *catalog.Product) int64 {
	t.Helper()
	var id int64
	if err := e.DB.Primary.NewRaw(`INSERT INTO product_files (tenant_id, product_id, name, blob_key, size_bytes, content_type)
		VALUES (?, ?, 'guide.pdf', 'files/x/guide.pdf', 10, 'application/pdf') RETURNING id`, p.TenantID, p.ID).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func notFound(t *testing.T, e *moneytest.Env, b *apptest.Browser, path string) {
	t.Helper()
	resp, body := b.Get(t, "", path)
	if resp.StatusCode != http.StatusNotFound || !bytes.Equal([]byte(body), e.App.Errors.NotFoundBody()) {
		t.Fatalf("%s: status %d, not the 404 page:\n%s", path, resp.StatusCode, body)
	}
}

func TestBuyerOpensWhatTheyBoughtAndNothingElse(t *testing.T) {
	e := moneytest.New(t, testDB)
	a, b := e.Store(t, apptest.Unique("lib-a")), e.Store(t, apptest.Unique("lib-b"))
	bought := e.Product(t, a, "bought", catalog.Public, withContent)
	notBought := e.Product(t, a, "not-bought", catalog.Public, withContent)
	otherStore := e.Product(t, b, "elsewhere", catalog.Public, withContent)
	fileID := addFile(t, e, bought)
	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Unique("reader")+"@example.com", pw, "Reader")
	e.Pay(t, e.OpenCheckout(t, buyer, a, bought), "pi_"+apptest.Unique("lib"))

	_, list := buyer.Get(t, "", "/library")
	if !strings.Contains(list, bought.Title) || strings.Contains(list, notBought.Title) {
		t.Fatalf("library list:\n%s", list)
	}
	resp, page := buyer.Get(t, "", fmt.Sprintf("/library/%d", bought.ID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "<p>The secret recipe.</p>") || !strings.Contains(page, "guide.pdf") {
		t.Fatalf("content page %d:\n%s", resp.StatusCode, page)
	}
	resp, _ = buyer.Get(t, "", fmt.Sprintf("/library/%d/files/%d", bought.ID, fileID))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/download/") {
		t.Fatalf("download: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	notFound(t, e, buyer, fmt.Sprintf("/library/%d", notBought.ID))
	notFound(t, e, buyer, fmt.Sprintf("/library/%d", otherStore.ID))
	notFound(t, e, buyer, fmt.Sprintf("/library/%d/files/%d", notBought.ID, fileID))
	notFound(t, e, buyer, "/library/not-a-number")

	// Another signed-in buyer cannot open it either.
	stranger := e.NewBrowser()
	stranger.SignUp(t, apptest.Unique("stranger")+"@example.com", pw, "Stranger")
	notFound(t, e, stranger, fmt.Sprintf("/library/%d", bought.ID))
	notFound(t, e, stranger, fmt.Sprintf("/library/%d/files/%d", bought.ID, fileID))
}

func TestRefundedPurchaseIsTheNotFoundPage(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("refund-lib"))
	p := e.Product(t, s, "thing", catalog.Public, withContent)
	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Unique("refunded")+"@example.com", pw, "Buyer")
	ck := e.OpenCheckout(t, buyer, s, p)
	pi := "pi_" + apptest.Unique("rl")
	e.Pay(t, ck, pi)
	if resp, _ := buyer.Get(t, "", fmt.Sprintf("/library/%d", p.ID)); resp.StatusCode != http.StatusOK {
		t.Fatalf("before refund: %d", resp.StatusCode)
	}
	e.Deliver(t, "/webhooks/stripe", stripetest.Event("evt_"+apptest.Unique("r"), "charge.refunded", stripetest.Charge("ch_1", pi, ck.Amount, ck.Amount)))
	notFound(t, e, buyer, fmt.Sprintf("/library/%d", p.ID))
}

// A download link handed out before a refund stops working with the refund,
// not when its few minutes run out.
func TestADownloadLinkEndsWithTheRefund(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("refund-link"))
	p := e.Product(t, s, "thing", catalog.Public, withContent)
	fileID := addFile(t, e, p)
	if err := e.App.Blobs.Put(context.Background(), "files/x/guide.pdf", strings.NewReader("0123456789"), 10, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Unique("linked")+"@example.com", pw, "Buyer")
	ck := e.OpenCheckout(t, buyer, s, p)
	pi := "pi_" + apptest.Unique("link")
	e.Pay(t, ck, pi)
	resp, _ := buyer.Get(t, "", fmt.Sprintf("/library/%d/files/%d", p.ID, fileID))
	link := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(link, "/download/") {
		t.Fatalf("download: %d %q", resp.StatusCode, link)
	}
	if resp, body := buyer.Get(t, "", link); resp.StatusCode != http.StatusOK || body != "0123456789" {
		t.Fatalf("the link before the refund: %d %q", resp.StatusCode, body)
	}
	e.Deliver(t, "/webhooks/stripe", stripetest.Event("evt_"+apptest.Unique("r"), "charge.refunded", stripetest.Charge("ch_1", pi, ck.Amount, ck.Amount)))
	notFound(t, e, buyer, link)
}

func TestGuestPurchaseJoinsTheAccountWithThatEmail(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("guest"))
	p := e.Product(t, s, "thing", catalog.Public, withContent)
	email := apptest.Unique("guest") + "@example.com"
	guest := e.NewBrowser()
	host := apptest.StoreHost(s.Slug)
	moneytest.AddToCart(t, guest, host, p.ID)
	resp, body := moneytest.Send(t, guest, http.MethodPost, host, "/checkout", url.Values{"email": {email}}, false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("guest checkout %d\n%s", resp.StatusCode, body)
	}
	var ck moneytest.Checkout
	if err := e.DB.Primary.NewRaw(`SELECT id, tenant_id, stripe_checkout_session_id, amount_total_cents FROM checkouts WHERE tenant_id = ?`,
		s.ID).Scan(context.Background(), &ck); err != nil {
		t.Fatal(err)
	}
	e.Pay(t, ck, "pi_"+apptest.Unique("guest"))
	guest.SignUp(t, email, pw, "Now a member")
	_, list := guest.Get(t, "", "/library")
	if !strings.Contains(list, p.Title) {
		t.Fatalf("guest purchase not in the new account's library:\n%s", list)
	}
	if resp, _ := guest.Get(t, "", fmt.Sprintf("/library/%d", p.ID)); resp.StatusCode != http.StatusOK {
		t.Fatalf("content: %d", resp.StatusCode)
	}
}

func TestLibraryListsCoversStoresDatesDownloadsAndFiltersByTitleOrStore(t *testing.T) {
	e := moneytest.New(t, testDB)
	inks := e.Store(t, apptest.Unique("inks"), func(s *tenants.Tenant) { s.Name = "Inkwell " + s.Slug })
	fonts := e.Store(t, apptest.Unique("fonts"))
	cover := "img/cover-" + apptest.Unique("c") + ".svg"
	brushes := e.Product(t, inks, "brushes", catalog.Public, withContent, func(p *catalog.Product) {
		p.Title, p.CoverKey = "Watercolor Brushes 100%", &cover
	})
	serif := e.Product(t, fonts, "serif", catalog.Public, func(p *catalog.Product) { p.Title = "Grotesk Serif" })
	fileID := addFile(t, e, brushes)
	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Email("filter"), pw, "Filter")
	e.Pay(t, e.OpenCheckout(t, buyer, inks, brushes), "pi_"+apptest.Unique("f1"))
	e.Pay(t, e.OpenCheckout(t, buyer, fonts, serif), "pi_"+apptest.Unique("f2"))

	list := func(q string) string {
		t.Helper()
		resp, body := buyer.Get(t, "", "/library?q="+url.QueryEscape(q))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("q=%q: status %d\n%s", q, resp.StatusCode, body)
		}
		return body
	}
	all := list("")
	today := time.Now().UTC().Format("2 Jan 2006")
	for _, want := range []string{brushes.Title, serif.Title, inks.Name, fonts.Name, "/media/" + cover, today,
		fmt.Sprintf("/library/%d/files/%d", brushes.ID, fileID), `name="q"`} {
		if !strings.Contains(all, want) {
			t.Fatalf("library lacks %q:\n%s", want, all)
		}
	}
	for q, want := range map[string]*catalog.Product{"watercolor": brushes, "GROTESK": serif, "inkwell": brushes, "100%": brushes,
		"%": brushes} {
		body := list(q)
		other := serif
		if want == serif {
			other = brushes
		}
		if !strings.Contains(body, want.Title) || strings.Contains(body, other.Title) {
			t.Fatalf("q=%q should list only %q:\n%s", q, want.Title, body)
		}
	}
	// LIKE's wildcards match themselves ("%" above found only the title
	// holding one), and a miss says so.
	for _, q := range []string{"_rush", "nothing like it"} {
		if body := list(q); strings.Contains(body, brushes.Title) || strings.Contains(body, serif.Title) || !strings.Contains(body, "No purchases match") {
			t.Fatalf("q=%q matched:\n%s", q, body)
		}
	}
	// A search text that is too long is refused with a message and filters nothing.
	resp, body := buyer.Get(t, "", "/library?q="+strings.Repeat("a", 201))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at most 200 characters") || !strings.Contains(body, serif.Title) {
		t.Fatalf("long query: %d\n%s", resp.StatusCode, body)
	}
	// The product page shows its cover, store, date, content and download.
	_, page := buyer.Get(t, "", fmt.Sprintf("/library/%d", brushes.ID))
	for _, want := range []string{"/media/" + cover, inks.Name, "Bought " + today, "<p>The secret recipe.</p>", fmt.Sprintf("/library/%d/files/%d", brushes.ID, fileID)} {
		if !strings.Contains(page, want) {
			t.Fatalf("library page lacks %q:\n%s", want, page)
		}
	}
}
