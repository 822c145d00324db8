package reviews_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/stripetest"
)

func TestNonBuyerIsRefusedWithAClearMessageAndNothingWritten(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	stranger, _ := e.buyer(t, s, false)
	outbox := e.Count(t, "SELECT count(*) FROM search_outbox WHERE product_id = ?", s.product.ID)

	for _, htmx := range []bool{true, false} {
		resp, body := post(t, stranger, s, "/products/field-guide/reviews", review("5", "Great", "Loved it"), htmx)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("htmx=%v: status %d\n%s", htmx, resp.StatusCode, body)
		}
		mustContain(t, body, "Only buyers of this product can review it.")
	}
	if n := e.reviewCount(t, s.product.ID); n != 0 {
		t.Fatalf("%d reviews written", n)
	}
	if c, sum, _ := e.aggregates(t, s.product.ID); c != 0 || sum != 0 {
		t.Fatalf("aggregates moved: %d/%d", c, sum)
	}
	if n := e.Count(t, "SELECT count(*) FROM search_outbox WHERE product_id = ?", s.product.ID); n != outbox {
		t.Fatalf("outbox grew from %d to %d", outbox, n)
	}
	// A visitor is sent to sign in.
	visitor := e.NewBrowser()
	if resp, _ := post(t, visitor, s, "/products/field-guide/reviews", review("5", "", "x"), false); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("visitor: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The fragment says who may review.
	_, frag := stranger.Get(t, s.host, "/products/field-guide/reviews")
	mustContain(t, frag, "Only buyers of this product can review it.")
	if strings.Contains(frag, `name="body"`) {
		t.Fatalf("a non-buyer is shown the review form:\n%s", frag)
	}
}

func TestSecondReviewByTheSameBuyerEditsTheFirst(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	b, _ := e.buyer(t, s, true)
	_, frag := b.Get(t, s.host, "/products/field-guide/reviews")
	mustContain(t, frag, `name="body"`, "Write a review")

	resp, body := post(t, b, s, "/products/field-guide/reviews", review("5", "Superb", "Clear and practical."), true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first review: %d\n%s", resp.StatusCode, body)
	}
	mustContain(t, body, "Clear and practical.", "Edit your review", "from 1 review")
	outbox := e.Count(t, fmt.Sprintf("SELECT count(*) FROM search_outbox WHERE product_id = %d", s.product.ID))

	resp, body = post(t, b, s, "/products/field-guide/reviews", review("2", "", "Second thoughts: too short."), false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second review: %d\n%s", resp.StatusCode, body)
	}
	if n := e.reviewCount(t, s.product.ID); n != 1 {
		t.Fatalf("%d review rows, want 1", n)
	}
	var rating int
	var text string
	if err := e.DB.Primary.QueryRowContext(context.Background(), `SELECT rating, body FROM reviews WHERE product_id = ?`,
		s.product.ID).Scan(&rating, &text); err != nil {
		t.Fatal(err)
	}
	if rating != 2 || text != "Second thoughts: too short." {
		t.Fatalf("row not edited: %d %q", rating, text)
	}
	count, sum, bayes := e.aggregates(t, s.product.ID)
	if count != 1 || sum != 2 || math.Abs(bayes-search.BayesRating(1, 2)) > 1e-9 {
		t.Fatalf("aggregates %d/%d/%v", count, sum, bayes)
	}
	if n := e.Count(t, fmt.Sprintf("SELECT count(*) FROM search_outbox WHERE product_id = %d", s.product.ID)); n <= outbox {
		t.Fatal("the edit did not reach the search outbox")
	}
	_, frag = b.Get(t, s.host, "/products/field-guide/reviews")
	mustContain(t, frag, "Second thoughts: too short.", "★★☆☆☆")
	if strings.Contains(frag, "Clear and practical.") {
		t.Fatalf("the first version is still shown:\n%s", frag)
	}
}

func TestTwentyConcurrentSubmissionsMakeOneReview(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	b, _ := e.buyer(t, s, true)
	token := b.CSRF(t, s.host, "/cart")
	reqs := make([]*http.Request, 20)
	for i := range reqs {
		reqs[i] = formRequest(b, s.host, "/products/field-guide/reviews", review(fmt.Sprint(i%5+1), "", fmt.Sprintf("Attempt %d", i)), token)
	}
	statuses := make(chan int, len(reqs))
	for _, req := range reqs {
		go func() {
			resp, err := e.App.Fiber.Test(req, -1)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	for range reqs {
		if st := <-statuses; st != http.StatusOK {
			t.Errorf("a concurrent submission answered %d", st)
		}
	}
	if n := e.reviewCount(t, s.product.ID); n != 1 {
		t.Fatalf("%d review rows, want 1", n)
	}
	var rating int64
	if err := e.DB.Primary.QueryRowContext(context.Background(), `SELECT rating FROM reviews WHERE product_id = ?`, s.product.ID).Scan(&rating); err != nil {
		t.Fatal(err)
	}
	if count, sum, _ := e.aggregates(t, s.product.ID); count != 1 || sum != rating {
		t.Fatalf("aggregates %d/%d for one review of %d stars", count, sum, rating)
	}
}

func TestRefundHidesTheReviewAndUpdatesTheAggregate(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	keeper, _ := e.buyer(t, s, true)
	refunded, pi := e.buyer(t, s, true)
	post(t, keeper, s, "/products/field-guide/reviews", review("2", "", "Kept it, it is fine."), true)
	post(t, refunded, s, "/products/field-guide/reviews", review("5", "", "Refunded buyer's praise."), true)
	if count, sum, _ := e.aggregates(t, s.product.ID); count != 2 || sum != 7 {
		t.Fatalf("before refund: %d/%d", count, sum)
	}
	amount := s.product.PriceCents
	outboxQuery := fmt.Sprintf("SELECT count(*) FROM search_outbox WHERE product_id = %d", s.product.ID)
	outbox := e.Count(t, outboxQuery)
	resp, body := e.Deliver(t, "/webhooks/stripe", stripetest.Event("evt_"+apptest.Unique("refund"), "charge.refunded",
		stripetest.Charge("ch_"+apptest.Unique("c"), pi, amount, amount)))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("refund webhook: %d\n%s", resp.StatusCode, body)
	}
	count, sum, bayes := e.aggregates(t, s.product.ID)
	if count != 1 || sum != 2 || math.Abs(bayes-search.BayesRating(1, 2)) > 1e-9 {
		t.Fatalf("after refund: %d/%d/%v", count, sum, bayes)
	}
	if e.Count(t, outboxQuery) <= outbox {
		t.Fatal("the refund's aggregate change did not reach the search outbox")
	}
	_, frag := keeper.Get(t, s.host, "/products/field-guide/reviews")
	mustContain(t, frag, "Kept it, it is fine.", "from 1 review")
	if strings.Contains(frag, "Refunded buyer&#39;s praise.") || strings.Contains(frag, "Refunded buyer") {
		t.Fatalf("the refunded review is still shown:\n%s", frag)
	}
	// The refunded buyer sees why, and can no longer edit.
	_, own := refunded.Get(t, s.host, "/products/field-guide/reviews")
	mustContain(t, own, "Your review is hidden")
	resp, body = post(t, refunded, s, "/products/field-guide/reviews", review("1", "", "Changed my mind."), true)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("edit after refund: %d\n%s", resp.StatusCode, body)
	}
	if count, sum, _ := e.aggregates(t, s.product.ID); count != 1 || sum != 2 {
		t.Fatalf("a refused edit moved the aggregates: %d/%d", count, sum)
	}
	// They may still delete it; the aggregates do not count it twice.
	if resp, _ := post(t, refunded, s, "/products/field-guide/reviews/delete", nil, true); resp.StatusCode != http.StatusOK {
		t.Fatalf("delete hidden review: %d", resp.StatusCode)
	}
	if count, sum, _ := e.aggregates(t, s.product.ID); count != 1 || sum != 2 || e.reviewCount(t, s.product.ID) != 1 {
		t.Fatalf("after deleting the hidden review: %d/%d", count, sum)
	}
}

func TestBuyerDeletesTheirReview(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	b, _ := e.buyer(t, s, true)
	post(t, b, s, "/products/field-guide/reviews", review("4", "Good", "Useful."), true)
	resp, body := post(t, b, s, "/products/field-guide/reviews/delete", nil, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delete: %d\n%s", resp.StatusCode, body)
	}
	mustContain(t, body, "Your review is deleted.", "No reviews yet.", "Write a review")
	if count, sum, _ := e.aggregates(t, s.product.ID); count != 0 || sum != 0 || e.reviewCount(t, s.product.ID) != 0 {
		t.Fatalf("after delete: %d/%d", count, sum)
	}
}

func TestTheDatabaseRefusesWhatTheServiceRefuses(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	e.buyer(t, s, false)
	ctx := context.Background()
	var strangerID int64
	if err := e.DB.Primary.QueryRowContext(ctx, `SELECT max(id) FROM users`).Scan(&strangerID); err != nil {
		t.Fatal(err)
	}
	// No entitlement: the trigger refuses the row.
	if _, err := e.DB.Primary.ExecContext(ctx, `INSERT INTO reviews (tenant_id, product_id, user_id, rating, body) VALUES (?, ?, ?, 5, 'x')`,
		s.store.ID, s.product.ID, strangerID); err == nil || !strings.Contains(err.Error(), "reviews_entitlement_check") && !strings.Contains(err.Error(), "entitlement") {
		t.Fatalf("insert without entitlement: %v", err)
	}
	// A buyer's second plain INSERT hits the unique key.
	b, _ := e.buyer(t, s, true)
	post(t, b, s, "/products/field-guide/reviews", review("5", "", "Once."), true)
	if _, err := e.DB.Primary.ExecContext(ctx, `INSERT INTO reviews (tenant_id, product_id, user_id, rating, body)
		SELECT tenant_id, product_id, user_id, 1, 'Twice.' FROM reviews WHERE product_id = ?`, s.product.ID); err == nil ||
		!strings.Contains(err.Error(), "reviews_product_id_user_id_key") {
		t.Fatalf("second row: %v", err)
	}
	if _, err := e.DB.Primary.ExecContext(ctx, `UPDATE reviews SET rating = 9 WHERE product_id = ?`, s.product.ID); err == nil {
		t.Fatal("rating 9 accepted")
	}
}

func TestBuyingAgainAfterARefundShowsTheReviewAgain(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	b, pi := e.buyer(t, s, true)
	post(t, b, s, "/products/field-guide/reviews", review("4", "", "Worth it."), true)
	amount := s.product.PriceCents
	e.Deliver(t, "/webhooks/stripe", stripetest.Event("evt_"+apptest.Unique("refund"), "charge.refunded",
		stripetest.Charge("ch_"+apptest.Unique("c"), pi, amount, amount)))
	if count, _, _ := e.aggregates(t, s.product.ID); count != 0 {
		t.Fatalf("after refund: %d", count)
	}
	e.Pay(t, e.OpenCheckout(t, b, s.store, s.product), "pi_"+apptest.Unique("again"))
	if count, sum, _ := e.aggregates(t, s.product.ID); count != 1 || sum != 4 {
		t.Fatalf("after buying again: %d/%d", count, sum)
	}
	_, frag := e.NewBrowser().Get(t, s.host, "/products/field-guide/reviews")
	mustContain(t, frag, "Worth it.")
}
