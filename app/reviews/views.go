package reviews

import "github.com/claro-market/claro/app/web"

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "storefront/reviews", Data: reviewsPage{}, Page: true},
		{Name: "partials/reviews", Data: reviewsPage{}},
		{Name: "partials/review_items", Data: reviewsPage{}},
		{Name: "partials/review_form", Data: reviewsPage{}},
	}
}
