package search

import "github.com/claro-market/claro/app/web"

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "marketplace/search", Data: searchPage{}, Page: true},
		{Name: "partials/search_results", Data: View{}},
		{Name: "partials/search_refresh", Data: View{}},
		{Name: "partials/search_controls", Data: View{}},
		{Name: "partials/search_facet", Data: FacetLink{}},
		{Name: "partials/search_suggest", Data: Suggestions{}},
	}
}
