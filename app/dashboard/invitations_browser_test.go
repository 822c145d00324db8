package dashboard_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestAnInvitationIsSentAndAcceptedOnAPhoneInBrowser walks both sides of an
// invitation in Chromium on a 360-pixel-wide screen: the owner invites an
// address from the members page and sees it pending; the invitee, signed in
// with that address verified, accepts it from their dashboard and lands in
// the store. No page is wider than the screen.
func TestAnInvitationIsSentAndAcceptedOnAPhoneInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	browsertest.Start(t, e.App.Fiber, ln)
	ctx := browsertest.Chromium(t)
	b := browsertest.NewPage(t, ctx)
	b.Must("use a phone-sized screen", chromedp.EmulateViewport(360, 740))
	fits := browsertest.Fits(360)

	market := "http://" + root
	slug := apptest.Unique("phone-shop-")
	invitee := apptest.Email("phone-invitee")
	hash, err := accounts.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.NewRaw(`INSERT INTO users (email, name, password_hash, email_verified_at) VALUES (?, 'Ivy Invitee', ?, now())`,
		invitee, hash).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}

	owner := apptest.Email("phone-owner")
	b.SignUp(market, "Olga Owner", owner, pw, func() string { return e.MailLink(t, owner, "/verify") })
	b.Open(market + "/dashboard/stores/new")
	b.Must("open a store",
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="name"]`), "Phone Shop"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="slug"]`), slug),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/stores"] button[type="submit"]`)),
	)
	base := "/dashboard/s/" + slug
	b.WaitFor("the store's dashboard", `location.pathname === `+strconv.Quote(base))

	b.Open(market + base + "/members")
	b.WaitFor("the members page to fit", fits)
	b.Must("invite the address",
		chromedp.SendKeys(chromedp.CSS(`form[action="`+base+`/members"] input[name="email"]`), invitee),
		chromedp.Click(chromedp.CSS(`form[action="`+base+`/members"] button[type="submit"]`)),
	)
	b.WaitFor("“Invitation sent” and the pending row",
		`document.querySelector('.flash') && document.querySelector('.flash').innerText.includes(`+strconv.Quote("Invitation sent to "+invitee)+`)
		 && !!document.querySelector('#invitations [data-invitation-id]')`)
	b.WaitFor("the members page with its message to fit", fits)

	b.Must("sign out", chromedp.Click(chromedp.CSS(`.header-nav form[action$="/logout"] button`)))
	b.WaitFor("signed out", `!document.querySelector('.header-nav form[action$="/logout"]')`)
	b.Open(market + "/login?next=/dashboard")
	b.Must("sign in as the invitee",
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="email"]`), invitee),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), pw),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
	)
	b.WaitFor("the invitee's dashboard offering the invitation", `location.pathname === "/dashboard" && !!document.querySelector('#invitations [data-invitation-id] form[action$="/accept"]')`)
	b.WaitFor("the dashboard to fit", fits)
	b.Must("accept", chromedp.Click(chromedp.CSS(`#invitations form[action$="/accept"] button`)))
	b.WaitFor("the store, with a welcome", `location.pathname === `+strconv.Quote(base)+` && document.querySelector('.flash') && document.querySelector('.flash').innerText.includes("Welcome to Phone Shop")`)
	b.WaitFor("the store's page to fit", fits)
}
