package reviews_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/ratelimit"
	"github.com/claro-market/claro/app/reviews"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

const pw = "a long enough password"

// options change how the reviews are wired for one test.
type options struct {
	limiter ratelimit.Limiter // default: in memory
	drafts  *reviews.DraftOptions
	writes  reviews.Limit
	budget  reviews.Limit
}

// env is the real app (app.NewWith) with the money path, its rate limits and
// draft client chosen by the test.
type env struct{ *moneytest.Env }

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	return &env{moneytest.NewWith(t, testDB, app.Overrides{
		Limiter: o.limiter, // nil: app.New's own (memory, without REDIS_URL)
		// Sign-up limits are not under test here, and every test buyer
		// signs up from the same address.
		AuthLimiter:  unlimited{},
		ReviewWrites: o.writes,
		ReviewDrafts: o.budget,
		Drafts:       o.drafts,
	})}
}

// shop is one store with one product, ready for buyers.
type shop struct {
	store   *tenants.Tenant
	product *catalog.Product
	host    string
}

func (e *env) shop(t *testing.T) shop {
	t.Helper()
	s := e.Store(t, apptest.Unique("rev"))
	p := e.Product(t, s, "field-guide", catalog.Public)
	return shop{store: s, product: p, host: apptest.StoreHost(s.Slug)}
}

// buyer signs up a new account and, unless guest is set, buys the product
// through checkout and a signed webhook. It returns the browser and the
// payment intent (to refund later).
func (e *env) buyer(t *testing.T, s shop, buys bool) (*apptest.Browser, string) {
	t.Helper()
	b := e.NewBrowser()
	b.SignUp(t, apptest.Unique("buyer")+"@example.com", pw, apptest.Unique("Buyer "))
	if !buys {
		return b, ""
	}
	pi := "pi_" + apptest.Unique("rev")
	e.Pay(t, e.OpenCheckout(t, b, s.store, s.product), pi)
	return b, pi
}

// post sends form to path on the shop's host, as htmx would when htmx is set.
func post(t *testing.T, b *apptest.Browser, s shop, path string, form url.Values, htmx bool) (*http.Response, string) {
	t.Helper()
	return moneytest.Send(t, b, http.MethodPost, s.host, path, form, htmx)
}

func review(rating, title, body string) url.Values {
	return url.Values{"rating": {rating}, "title": {title}, "body": {body}}
}

// aggregates reads the product's rating columns as the search index does.
func (e *env) aggregates(t *testing.T, productID int64) (count, sum int64, bayes float64) {
	t.Helper()
	err := e.DB.Primary.QueryRowContext(context.Background(),
		`SELECT rating_count, rating_sum, _bayes_rating FROM products WHERE id = ?`, productID).Scan(&count, &sum, &bayes)
	if err != nil {
		t.Fatal(err)
	}
	return count, sum, bayes
}

func (e *env) reviewCount(t *testing.T, productID int64) int {
	t.Helper()
	return e.Count(t, fmt.Sprintf("SELECT count(*) FROM reviews WHERE product_id = %d", productID))
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("body lacks %q:\n%s", w, body)
		}
	}
}

// unlimited is a limiter that never counts past one.
type unlimited struct{}

func (unlimited) Hit(context.Context, string, time.Duration) (int64, time.Time, error) {
	return 1, time.Now().Add(time.Minute), nil
}
func (unlimited) Count(context.Context, string, time.Duration) (int64, error) { return 0, nil }
func (unlimited) Reset(context.Context, string, time.Duration) error          { return nil }

// formRequest is an htmx POST from b carrying b's cookies and token, built
// up front so goroutines can send it without touching testing.T.
func formRequest(b *apptest.Browser, host, path string, form url.Values, token string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "http://"+host+path, strings.NewReader(form.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+host)
	req.Header.Set("HX-Request", "true")
	req.Header.Set(web.CSRFHeader, token)
	for _, c := range b.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	return req
}
