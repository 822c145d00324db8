package checkout

import (
	"github.com/claro-market/claro/app/library"
	"github.com/claro-market/claro/app/web"
)

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "storefront/checkout_success", Data: successPage{}, Page: true},
		{Name: "storefront/checkout_success", Data: successPage{Receipt: &checkoutReceipt{Receipt: &Receipt{}}}, Page: true},
		{Name: "partials/checkout_order", Data: successPage{Receipt: &checkoutReceipt{Receipt: &Receipt{}, GaveUp: true}}},
		{Name: "partials/checkout_order", Data: successPage{Receipt: &checkoutReceipt{Receipt: &Receipt{OrderStatus: "paid"}, Owner: true,
			Lines: []receiptLine{{Files: []library.File{{ID: 1, Name: "guide.pdf"}}}}}}},
	}
}
