package orders

import (
	"context"

	"github.com/claro-market/claro/app/payments"
)

// PayTogether applies paying deliveries as one batch, as deliveries arriving
// together are, for tests: the same run the coalescer gives them.
func (s *Service) PayTogether(ctx context.Context, events ...*payments.Event) error {
	_, err := s.pay(ctx, events, nil)
	return err
}
