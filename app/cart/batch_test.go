package cart_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// Cart adds arriving together are priced in one statement (WithBatching),
// each within its own store: many look-ups in flight at once, for two stores'
// own products and for each other's, find exactly their own store's
// products at their own prices, never the other store's.
func TestBatchedPricesKeepEachLookUpInItsOwnStore(t *testing.T) {
	e := moneytest.New(t, testDB)
	a, b := e.Store(t, apptest.Unique("lefts")), e.Store(t, apptest.Unique("rights"))
	pa, pb := e.Product(t, a, "left", catalog.Public), e.Product(t, b, "right", catalog.Public)
	store := cart.NewReadStore(testDB.DB).WithBatching(e.App.Log)
	type ask struct {
		tenant, product int64
		want            bool
	}
	asks := []ask{{a.ID, pa.ID, true}, {b.ID, pb.ID, true}, {a.ID, pb.ID, false}, {b.ID, pa.ID, false}}
	const rounds = 50
	errs := make(chan string, rounds*len(asks))
	var wg sync.WaitGroup
	for r := range rounds {
		for _, q := range asks {
			wg.Go(func() {
				p, err := store.Price(context.Background(), q.tenant, cart.Cart{TenantID: q.tenant, Items: []cart.Item{{ProductID: q.product, Quantity: 1}}})
				switch {
				case err != nil:
					errs <- err.Error()
				case q.want && (len(p.Lines) != 1 || p.Lines[0].ProductID != q.product || len(p.Unavailable) != 0):
					errs <- fmt.Sprintf("round %d: store %d's own product %d not priced: %+v", r, q.tenant, q.product, p)
				case !q.want && (len(p.Lines) != 0 || len(p.Unavailable) != 1):
					errs <- fmt.Sprintf("round %d: store %d priced another store's product %d", r, q.tenant, q.product)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}
