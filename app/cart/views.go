package cart

import (
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
)

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "storefront/cart", Data: Page{}, Page: true},
		{Name: "partials/cart_body", Data: Page{Fragment: true}},
		{Name: "partials/cart_count", Data: CountBadge{}},
		{Name: "partials/cart_added", Data: addedFragment{}},
		{Name: "marketplace/carts", Data: CartsPage{Carts: []StoreCart{{Store: &tenants.Tenant{}, Priced: &Priced{Lines: []Line{{}}}}}}, Page: true},
	}
}
