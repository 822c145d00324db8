package orders_test

import (
	"sync"
	"testing"

	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/stripetest"
)

func (s *sale) pay(t *testing.T) {
	t.Helper()
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("pay"), "checkout.session.completed", s.ck.Amount, "paid"))
}

func (s *sale) refunded(t *testing.T, refunded int64) {
	t.Helper()
	s.deliver(t, stripetest.Event("evt_"+apptest.Unique("rf"), "charge.refunded", stripetest.Charge("ch_"+s.pi, s.pi, s.ck.Amount, refunded)))
}

// A full refund revokes access and takes the sale back out of the product's
// sales count (search.UndoSale), once however often it is reported.
func TestPartialRefundKeepsAccessAndFullRefundRevokesIt(t *testing.T) {
	s := newSale(t)
	s.pay(t)
	s.refunded(t, 500)
	if got := s.state(t); got != (state{Orders: 1, Live: 1, Granted: 1, Sales: 1, Status: "partially_refunded"}) {
		t.Fatalf("after partial refund: %+v", got)
	}
	s.refunded(t, s.ck.Amount)
	if got := s.state(t); got != (state{Orders: 1, Live: 0, Granted: 1, Sales: 0, Status: "refunded"}) {
		t.Fatalf("after full refund: %+v", got)
	}
	// An older, partial refund event arriving late changes nothing, and a
	// second full refund event undoes no second sale.
	s.refunded(t, 500)
	s.refunded(t, s.ck.Amount)
	if got := s.state(t); got != (state{Orders: 1, Live: 0, Granted: 1, Sales: 0, Status: "refunded"}) {
		t.Fatalf("late refund events: %+v", got)
	}
}

func TestDisputeRevokesAccess(t *testing.T) {
	s := newSale(t)
	s.pay(t)
	payload := stripetest.Event("evt_"+apptest.Unique("dp"), "charge.dispute.created", stripetest.Dispute("dp_1", "ch_"+s.pi, s.pi, s.ck.Amount))
	s.deliver(t, payload)
	s.deliver(t, payload) // a replay is a duplicate
	if got := s.state(t); got != (state{Orders: 1, Live: 0, Granted: 1, Sales: 1, Status: "disputed"}) {
		t.Fatalf("after dispute: %+v", got)
	}
}

func TestRefundBeforeItsOrderIsAppliedWhenTheOrderArrives(t *testing.T) {
	s := newSale(t)
	s.refunded(t, s.ck.Amount)
	if got := s.state(t); got != (state{}) {
		t.Fatalf("before the order: %+v", got)
	}
	s.pay(t)
	if got := s.state(t); got != (state{Orders: 1, Live: 0, Granted: 1, Sales: 0, Status: "refunded"}) {
		t.Fatalf("after the order: %+v", got)
	}
}

func TestDisputeBeforeAnUnpaidOrderIsAppliedAndNothingIsGranted(t *testing.T) {
	s := newSale(t)
	s.deliver(t, stripetest.Event("evt_"+apptest.Unique("dp"), "charge.dispute.created", stripetest.Dispute("dp_2", "ch_"+s.pi, s.pi, s.ck.Amount)))
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("u"), "checkout.session.completed", s.ck.Amount, "unpaid"))
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("ok"), "checkout.session.async_payment_succeeded", s.ck.Amount, "paid"))
	if got := s.state(t); got.Orders != 1 || got.Live != 0 || got.Status != "disputed" {
		t.Fatalf("state %+v", got)
	}
}

// A refund delivered at the same moment as its order still lands: the
// payment intent's lock makes one transaction see the other's commit.
func TestRefundRacingItsOrderStillRevokesAccess(t *testing.T) {
	for range 5 {
		s := newSale(t)
		pay := s.sessionEvent("evt_"+apptest.Unique("pay"), "checkout.session.completed", s.ck.Amount, "paid")
		refund := stripetest.Event("evt_"+apptest.Unique("rf"), "charge.refunded", stripetest.Charge("ch_"+s.pi, s.pi, s.ck.Amount, s.ck.Amount))
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, p := range [][]byte{pay, refund} {
			wg.Go(func() {
				resp, _ := s.e.Deliver(t, "/webhooks/stripe", p)
				codes[i] = resp.StatusCode
			})
		}
		wg.Wait()
		if codes[0] != 200 || codes[1] != 200 {
			t.Fatalf("deliveries answered %v", codes)
		}
		if got := s.state(t); got != (state{Orders: 1, Live: 0, Granted: 1, Sales: 0, Status: "refunded"}) {
			t.Fatalf("after a racing refund: %+v", got)
		}
	}
}
