package reviews_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/ratelimit"
	"github.com/claro-market/claro/app/reviews"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/peertest"
)

// sharedRedis returns a Redis limiter under prefix, as one app instance
// builds it from REDIS_URL; it skips (fails in CI) without Redis.
func sharedRedis(t *testing.T, prefix string) *ratelimit.Redis {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	r, err := ratelimit.NewRedis(context.Background(), u, prefix)
	if err != nil {
		peertest.Missing(t, "redis not reachable: "+err.Error())
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func expect429(t *testing.T, resp *http.Response, body, why string) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over budget: %d, want 429\n%s", resp.StatusCode, body)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	mustContain(t, body, why, "Please try again in")
}

func TestDraftRateLimitHoldsAcrossTwoInstancesSharingRedis(t *testing.T) {
	api := startMessagesAPI(t)
	prefix := fmt.Sprintf("claro-test:%d:", time.Now().UnixNano())
	budget := reviews.Limit{PerUser: 3, PerIP: 100, Window: time.Hour}
	a := newEnv(t, options{drafts: api.options(), budget: budget, limiter: sharedRedis(t, prefix)})
	b := newEnv(t, options{drafts: api.options(), budget: budget, limiter: sharedRedis(t, prefix)})
	s := a.shop(t)
	buyer, _ := a.buyer(t, s, true)
	// The same browser, cookies and all, talking to the second instance.
	other := b.NewBrowser()
	other.Jar = buyer.Jar
	words := url.Values{"words": {"clear, handy maps"}}
	for i, br := range []*apptest.Browser{buyer, other, buyer} {
		if resp, body := post(t, br, s, "/products/field-guide/reviews/draft", words, true); resp.StatusCode != http.StatusOK {
			t.Fatalf("draft %d: %d\n%s", i+1, resp.StatusCode, body)
		}
	}
	calls := api.calls.Load()
	resp, body := post(t, other, s, "/products/field-guide/reviews/draft", words, true)
	expect429(t, resp, body, "You have asked for several drafts in a short while.")
	mustContain(t, body, `value="clear, handy maps"`)
	if resp, _ := post(t, buyer, s, "/products/field-guide/reviews/draft", words, true); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("first instance after the budget: %d", resp.StatusCode)
	}
	if api.calls.Load() != calls {
		t.Fatal("a request over budget reached the API")
	}
	// Another buyer has their own budget.
	fresh, _ := b.buyer(t, s, true)
	if resp, body := post(t, fresh, s, "/products/field-guide/reviews/draft", words, true); resp.StatusCode != http.StatusOK {
		t.Fatalf("another buyer: %d\n%s", resp.StatusCode, body)
	}
}

func TestReviewWritesAreRateLimitedInMemoryToo(t *testing.T) {
	e := newEnv(t, options{writes: reviews.Limit{PerUser: 2, PerIP: 100, Window: time.Hour}})
	s := e.shop(t)
	b, _ := e.buyer(t, s, true)
	for i := range 2 {
		if resp, body := post(t, b, s, "/products/field-guide/reviews", review("4", "", fmt.Sprintf("Version %d.", i)), true); resp.StatusCode != http.StatusOK {
			t.Fatalf("write %d: %d\n%s", i, resp.StatusCode, body)
		}
	}
	resp, body := post(t, b, s, "/products/field-guide/reviews", review("1", "", "Version 3."), true)
	expect429(t, resp, body, "You have changed reviews many times in a short while.")
	if !strings.Contains(body, ">Version 3.</textarea>") {
		t.Fatalf("the refused form lost the buyer's text:\n%s", body)
	}
	var text string
	if err := e.DB.Primary.QueryRowContext(context.Background(), `SELECT body FROM reviews WHERE product_id = ?`, s.product.ID).Scan(&text); err != nil || text != "Version 1." {
		t.Fatalf("stored %q, %v", text, err)
	}
}
