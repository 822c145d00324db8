package library

import "github.com/claro-market/claro/app/web"

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "library/index", Data: indexPage{}, Page: true},
		{Name: "library/show", Data: showPage{}, Page: true},
		{Name: "library/claim", Data: claimPage{}, Page: true},
	}
}
