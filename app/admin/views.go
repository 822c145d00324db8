package admin

import "github.com/claro-market/claro/app/web"

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "admin/index", Data: indexPage{}, Page: true},
		{Name: "admin/store", Data: storePage{Store: &StoreRow{}}, Page: true},
		{Name: "admin/webhooks", Data: webhooksPage{}, Page: true},
		{Name: "partials/admin_nav", Data: web.Page{}},
		{Name: "partials/admin_audit", Data: []AuditRow{}},
	}
}
