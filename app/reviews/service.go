package reviews

import (
	"context"
	"errors"
)

// Service applies the review rules before the store writes: only a buyer
// with a live entitlement writes or edits, a form is checked before anything
// is written, only the store's members respond.
type Service struct{ store *Store }

// NewService returns the review service over store.
func NewService(store *Store) *Service { return &Service{store: store} }

// Viewer works out what user may do on the product's reviews (user 0 is a
// visitor, who may only read).
func (s *Service) Viewer(ctx context.Context, tenantID, productID, userID int64) (Viewer, error) {
	v := Viewer{UserID: userID}
	if userID == 0 {
		return v, nil
	}
	var err error
	if v.Entitled, err = s.store.Entitled(ctx, productID, userID); err != nil {
		return v, err
	}
	if v.Member, err = s.store.IsMember(ctx, tenantID, userID); err != nil {
		return v, err
	}
	own, err := s.store.Own(ctx, productID, userID)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return v, err
	default:
		v.Own = own
	}
	return v, nil
}

// Submit writes the buyer's review of the product, or edits the one they
// wrote before: never a second one. A user without a live entitlement gets
// ErrNotBuyer and an invalid form a *FormError; neither writes anything.
func (s *Service) Submit(ctx context.Context, tenantID, productID, userID int64, f *Form) error {
	ok, err := s.store.Entitled(ctx, productID, userID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotBuyer
	}
	if err := f.Validate(); err != nil {
		return err
	}
	return s.store.Upsert(ctx, tenantID, productID, userID, f.RatingValue(), f.Title, f.Body)
}

// Delete removes the user's own review of the product (even a hidden one).
func (s *Service) Delete(ctx context.Context, productID, userID int64) error {
	return s.store.Delete(ctx, productID, userID)
}

// Respond posts (or replaces) the store's one public response to a review.
func (s *Service) Respond(ctx context.Context, tenantID, productID, reviewID, userID int64, f *ResponseForm) error {
	ok, err := s.store.IsMember(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotMember
	}
	if err := f.Validate(); err != nil {
		return err
	}
	return s.store.Respond(ctx, tenantID, productID, reviewID, userID, f.Body)
}

// List returns one page of a product's visible reviews and the position of
// the next page (nil on the last one).
func (s *Service) List(ctx context.Context, productID int64, after *Position) ([]Review, *Position, error) {
	rs, err := s.store.Page(ctx, productID, after, PageSize+1)
	if err != nil {
		return nil, nil, err
	}
	if len(rs) <= PageSize {
		return rs, nil, nil
	}
	rs = rs[:PageSize]
	next := PositionOf(rs[PageSize-1])
	return rs, &next, nil
}

// Entitled reports whether the user holds a live entitlement to the product.
func (s *Service) Entitled(ctx context.Context, productID, userID int64) (bool, error) {
	return s.store.Entitled(ctx, productID, userID)
}

// Summary returns the product's rating aggregates.
func (s *Service) Summary(ctx context.Context, productID int64) (Summary, error) {
	return s.store.Summary(ctx, productID)
}
