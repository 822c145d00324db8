package checkout

import "github.com/claro-market/claro/app/web"

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "storefront/checkout_success", Data: successPage{}, Page: true},
	}
}
