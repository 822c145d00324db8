package orders

import (
	"context"

	"github.com/claro-market/claro/app/payments"
)

// BatchResult is what RunBatch left a delivery with.
type BatchResult struct {
	OrderID int64
	Alone   bool  // not applied by the batch: it runs paidFirst itself
	Err     error // a lone delivery's own statement's error
}

// RunBatch applies events as one batch, as concurrent deliveries would be,
// and reports each one's result, for tests: it does not run the lone ones.
func (s *Service) RunBatch(ctx context.Context, events ...*payments.Event) []BatchResult {
	calls := make([]*paidCall, len(events))
	for i, e := range events {
		calls[i] = &paidCall{e: e, taken: true, done: make(chan struct{})}
	}
	s.runBatch(ctx, calls)
	out := make([]BatchResult, len(calls))
	for i, c := range calls {
		out[i] = BatchResult{OrderID: c.orderID, Alone: c.alone, Err: c.err}
	}
	return out
}
