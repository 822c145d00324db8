package devtools

import "github.com/claro-market/claro/app/web"

// Views lists the templates this area renders, each with a zero value of the
// type its handler passes, so app's template test renders every one of them.
func Views() []web.View {
	return []web.View{
		{Name: "marketplace/dev_pay", Data: payPage{}, Page: true},
		{Name: "marketplace/dev_onboard", Data: onboardPage{Account: &OnboardAccount{}}, Page: true},
		{Name: "marketplace/dev_mail", Data: mailPage{}, Page: true},
	}
}
