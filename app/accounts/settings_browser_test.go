package accounts_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestAccountSettingsWorkOnAPhoneInBrowser opens the account page on a
// 360-pixel-wide screen in Chromium: nothing is wider than the screen, the
// header's Account link leads there, and saving the name says so.
func TestAccountSettingsWorkOnAPhoneInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	browsertest.Start(t, e.App.Fiber, ln)
	ctx := browsertest.Chromium(t)
	b := browsertest.NewPage(t, ctx)
	b.Must("use a phone-sized screen", chromedp.EmulateViewport(360, 740))

	market := "http://" + root
	email := apptest.Email("phone")
	b.SignUp(market, "Phone User", email, password, func() string { return e.MailLink(t, email, "/verify") })
	b.WaitFor("the header's Account link", `!!document.querySelector('.header-nav a[href$="/account"]')`)
	b.Must("follow the header's Account link", chromedp.Click(chromedp.CSS(`.header-nav a[href$="/account"]`)))
	b.WaitFor("the account page", `location.pathname === "/account" && !!document.querySelector('#sessions .session-item')`)
	fits := browsertest.Fits(360)
	b.WaitFor("the account page to fit 360 pixels", fits)

	b.Must("save a new name",
		chromedp.SetValue(chromedp.CSS(`form[action="/account/profile"] input[name="name"]`), "Pocket User"),
		chromedp.Click(chromedp.CSS(`form[action="/account/profile"] button[type="submit"]`)),
	)
	b.WaitFor("the confirmation", `!!document.querySelector('.flash') && document.querySelector('.flash').innerText.includes("Your name is saved.")`)
	b.WaitFor("the page with its message to fit 360 pixels", fits)
}
