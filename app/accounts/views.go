package accounts

import "github.com/claro-market/claro/app/web"

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "accounts/login", Data: authPage{}, Page: true},
		{Name: "accounts/signup", Data: authPage{}, Page: true},
		{Name: "accounts/settings", Data: settingsPage{}, Page: true},
		{Name: "accounts/forgot", Data: authPage{}, Page: true},
		{Name: "accounts/reset", Data: resetPage{}, Page: true},
		{Name: "accounts/check_inbox", Data: inboxPage{}, Page: true},
		{Name: "accounts/notice", Data: noticePage{}, Page: true},
		{Name: "accounts/email", Data: emailPage{}, Page: true},
		{Name: "partials/verify_banner", Data: web.Page{User: &web.Identity{}}},
	}
}
