package catalog

import "github.com/claro-market/claro/app/web"

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "marketplace/home", Data: marketHomePage{}, Page: true},
		{Name: "storefront/home", Data: storefrontPage{}, Page: true},
		{Name: "storefront/product", Data: productPage{}, Page: true},
		{Name: "partials/product_list", Data: ProductList{}},
		{Name: "partials/product_card", Data: Card{}},
	}
}
