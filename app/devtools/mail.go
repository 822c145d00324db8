package devtools

import (
	"errors"
	"regexp"
	"time"

	"github.com/claro-market/claro/app/receipts"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// ErrMailboxInProduction refuses the development mailbox in production: it
// would show anyone the sign-in and reset links the app sends.
var ErrMailboxInProduction = errors.New("devtools: the development mailbox (/dev/mail) cannot be on in production")

// MailPath is the development mailbox's page on ROOT_DOMAIN.
const MailPath = "/dev/mail"

// MailHandlers shows `claro dev`'s mailbox: without SMTP_URL the app's mail
// is only logged, and this page shows the last messages with their links
// clickable, so a person on `make run` can follow a verification, reset,
// sign-in or claim link.
type MailHandlers struct {
	box   *receipts.Mailbox
	pages *web.Pages
}

// NewMailHandlers returns the mailbox page's handlers.
func NewMailHandlers(box *receipts.Mailbox, pages *web.Pages) *MailHandlers {
	return &MailHandlers{box: box, pages: pages}
}

// Routes registers GET /dev/mail on the marketplace. app.New calls it only
// when cfg.DevMailbox is on (claro dev without SMTP_URL).
func (h *MailHandlers) Routes(r fiber.Router) {
	web.MarketRoutes(r).Get(MailPath, h.show)
}

// mailPage is the mailbox, newest message first.
type mailPage struct {
	web.Page
	Messages []shownMail
}

// shownMail is one message, its text cut into plain runs and links.
type shownMail struct {
	N       int64
	At      time.Time
	To      string
	Subject string
	Parts   []mailPart
}

// mailPart is a run of a message's text, or a link in it.
type mailPart struct {
	Text string
	Link bool
}

var mailLink = regexp.MustCompile(`https?://[^\s<>"]+`)

// splitLinks cuts text into runs of text and the http(s) links between them.
func splitLinks(text string) []mailPart {
	var parts []mailPart
	last := 0
	for _, m := range mailLink.FindAllStringIndex(text, -1) {
		if m[0] > last {
			parts = append(parts, mailPart{Text: text[last:m[0]]})
		}
		parts = append(parts, mailPart{Text: text[m[0]:m[1]], Link: true})
		last = m[1]
	}
	if last < len(text) {
		parts = append(parts, mailPart{Text: text[last:]})
	}
	return parts
}

func (h *MailHandlers) show(c *fiber.Ctx) error {
	page := mailPage{Page: h.pages.New(c, "Development mailbox")}
	for _, m := range h.box.Recent() {
		page.Messages = append(page.Messages, shownMail{N: m.N, At: m.At, To: m.To, Subject: m.Subject, Parts: splitLinks(m.Text)})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin") // not no-referrer: the page's forms would send "Origin: null"
	return web.Render(c, "marketplace/dev_mail", page)
}
