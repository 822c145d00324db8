package dashboard

import (
	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/discounts"
	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
)

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "dashboard/index", Data: indexPage{}, Page: true},
		{Name: "dashboard/store_new", Data: storeFormPage{}, Page: true},
		{Name: "dashboard/store", Data: storeOverviewPage{}, Page: true},
		{Name: "dashboard/store_settings", Data: settingsPage{}, Page: true},
		{Name: "dashboard/domains", Data: domainPage{}, Page: true},
		{Name: "dashboard/domain_remove", Data: removePage{Domain: &tenants.Domain{}}, Page: true},
		{Name: "dashboard/payments", Data: paymentsPage{}, Page: true},
		{Name: "dashboard/members", Data: membersPage{}, Page: true},
		{Name: "dashboard/sales", Data: salesPage{}, Page: true},
		{Name: "dashboard/licenses", Data: licensesPage{}, Page: true},
		{Name: "dashboard/webhooks", Data: webhooksPage{}, Page: true},
		{Name: "dashboard/webhook_delivery", Data: deliveryPage{}, Page: true},
		{Name: "dashboard/tokens", Data: tokensPage{}, Page: true},
		{Name: "dashboard/tokens", Data: tokensPage{Created: &apitokens.Token{Scopes: []string{"products:read"}}, Secret: "claro_pat_x",
			Tokens: []apitokens.Token{{Name: "x", Scopes: []string{"products:read"}}}, Scopes: []scopeOption{{Name: "products:read"}}}, Page: true},
		{Name: "dashboard/discounts", Data: discountsPage{Codes: []discounts.StoreCode{{}}, Products: []catalog.Product{{}}}, Page: true},
		{Name: "dashboard/refund_confirm", Data: refundPage{Order: &orders.Order{}}, Page: true},
		{Name: "dashboard/product_form", Data: productPage{}, Page: true},
		{Name: "partials/dash_nav", Data: storePage{}},
		{Name: "partials/dash_product_row", Data: productRow{}},
		{Name: "partials/field_error", Data: ""},
	}
}
