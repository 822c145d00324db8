package accounts

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"text/template"
	"time"

	"github.com/claro-market/claro/app/ratelimit"
	"github.com/claro-market/claro/app/receipts"
)

// How long each kind of email link works, once.
const (
	VerifyTTL      = 24 * time.Hour
	ResetTTL       = 30 * time.Minute
	SignInTTL      = 15 * time.Minute
	EmailChangeTTL = 24 * time.Hour
	ClaimTTL       = 30 * 24 * time.Hour
)

// The paths the links in account mail open, on the marketplace.
const (
	VerifyPath       = "/verify"
	ResetPath        = "/reset"
	SignInLinkPath   = "/login/link"
	EmailConfirmPath = "/account/email/confirm"
	ClaimPath        = "/claim"
)

// Mail limits: at most mailPerAddress messages to one address and
// mailPerIP messages asked for by one client address per mailWindow. The
// count per address is kept whether or not the address has an account, so
// being throttled says nothing about that.
const (
	mailWindow     = time.Hour
	mailPerAddress = 5
	mailPerIP      = 20
	mailTimeout    = 30 * time.Second
)

// MailThrottledError is mail not sent because its address had its
// allowance for the hour. A page that must answer the same whether or not
// an account exists treats it as sent.
type MailThrottledError struct{ RetryAfter time.Duration }

func (e *MailThrottledError) Error() string {
	return fmt.Sprintf("accounts: mail to this address throttled, retry after %s", e.RetryAfter)
}

// Mail writes and sends account email (verification, password reset and
// sign-in links, address changes) through the receipts mailer, so SMTP_URL
// is where it goes and, without it, the log (links included).
type Mail struct {
	mailer receipts.Mailer
	limits ratelimit.Limiter
	tokens *Tokens
	from   string
	market string // the marketplace's base URL
	log    *slog.Logger
	tmpl   *template.Template
}

// NewMail returns the account mailer: messages from from, links to market
// (scheme://ROOT_DOMAIN), tokens from tokens, sends counted on limits.
func NewMail(mailer receipts.Mailer, limits ratelimit.Limiter, tokens *Tokens, from, market string, log *slog.Logger) *Mail {
	return &Mail{mailer: mailer, limits: limits, tokens: tokens, from: from, market: market, log: log,
		tmpl: template.Must(template.New("mail").Parse(mailTemplates))}
}

// mailData is what every account message's template reads.
type mailData struct {
	Name, Email, NewEmail string
	Link                  string // the one-time link, or ""
	Market                string
	Valid                 string // how long Link works, in words
	Store, Role, Inviter  string // a store invitation's
}

// allowIP counts one request for mail from ip and refuses it past mailPerIP.
func (m *Mail) allowIP(ctx context.Context, ip string) error {
	n, reset, err := m.limits.Hit(ctx, "mail:ip:"+addressKey(ip), mailWindow)
	if err != nil {
		return err
	}
	if n > mailPerIP {
		return &ThrottledError{RetryAfter: time.Until(reset)}
	}
	return nil
}

// allowAddress counts one message to email and refuses it past
// mailPerAddress. The address is hashed: the limiter never holds it.
func (m *Mail) allowAddress(ctx context.Context, email string) error {
	h := sha256.Sum256([]byte(NormalizeEmail(email)))
	n, reset, err := m.limits.Hit(ctx, "mail:to:"+hex.EncodeToString(h[:12]), mailWindow)
	if err != nil {
		return err
	}
	if n > mailPerAddress {
		return &MailThrottledError{RetryAfter: time.Until(reset)}
	}
	return nil
}

// link issues a token for t and returns the absolute URL of path carrying
// it (and next, when it is not the home page).
func (m *Mail) link(ctx context.Context, path string, t Token, ttl time.Duration, next string) (string, error) {
	token, err := m.tokens.Issue(ctx, t, ttl)
	if err != nil {
		return "", err
	}
	q := url.Values{"token": {token}}
	if next != "" && next != "/" {
		q.Set("next", next)
	}
	return m.market + path + "?" + q.Encode(), nil
}

// send renders the template name with d and sends it to to, within the
// address's allowance.
func (m *Mail) send(ctx context.Context, name, subject, to string, d mailData) error {
	if err := m.allowAddress(ctx, to); err != nil {
		return err
	}
	return m.sendCounted(ctx, name, subject, to, d)
}

// Verification emails u a link that verifies its address and signs in,
// going on to next.
func (m *Mail) Verification(ctx context.Context, u *User, next string) error {
	if err := m.allowAddress(ctx, u.Email); err != nil {
		return err
	}
	link, err := m.link(ctx, VerifyPath, Token{Purpose: PurposeVerify, UserID: u.ID, Email: u.Email}, VerifyTTL, next)
	if err != nil {
		return err
	}
	return m.sendCounted(ctx, "verify", "Confirm your email for Claro", u.Email,
		mailData{Name: u.Name, Email: u.Email, Link: link, Valid: "24 hours"})
}

// AlreadyRegistered tells the owner of email that a sign-up was tried with
// it: they have an account, and can sign in or reset its password.
func (m *Mail) AlreadyRegistered(ctx context.Context, email string) error {
	return m.send(ctx, "taken", "You already have a Claro account", email, mailData{Email: email})
}

// Reset emails u a link to choose a new password.
func (m *Mail) Reset(ctx context.Context, u *User) error {
	if err := m.allowAddress(ctx, u.Email); err != nil {
		return err
	}
	link, err := m.link(ctx, ResetPath, Token{Purpose: PurposeReset, UserID: u.ID, Email: u.Email}, ResetTTL, "")
	if err != nil {
		return err
	}
	return m.sendCounted(ctx, "reset", "Reset your Claro password", u.Email,
		mailData{Name: u.Name, Email: u.Email, Link: link, Valid: "30 minutes"})
}

// SignIn emails u a link that signs in without a password, going on to next.
func (m *Mail) SignIn(ctx context.Context, u *User, next string) error {
	if err := m.allowAddress(ctx, u.Email); err != nil {
		return err
	}
	link, err := m.link(ctx, SignInLinkPath, Token{Purpose: PurposeSignIn, UserID: u.ID, Email: u.Email}, SignInTTL, next)
	if err != nil {
		return err
	}
	return m.sendCounted(ctx, "signin", "Your Claro sign-in link", u.Email,
		mailData{Name: u.Name, Email: u.Email, Link: link, Valid: "15 minutes"})
}

// EmailChange emails newEmail a link that moves u's account to it.
func (m *Mail) EmailChange(ctx context.Context, u *User, newEmail string) error {
	if err := m.allowAddress(ctx, newEmail); err != nil {
		return err
	}
	link, err := m.link(ctx, EmailConfirmPath, Token{Purpose: PurposeEmailChange, UserID: u.ID, Email: newEmail}, EmailChangeTTL, "")
	if err != nil {
		return err
	}
	return m.sendCounted(ctx, "email_change", "Confirm your new email for Claro", newEmail,
		mailData{Name: u.Name, Email: u.Email, NewEmail: newEmail, Link: link, Valid: "24 hours"})
}

// EmailTaken tells the owner of newEmail, which has an account already,
// that another account asked to move to it; nothing changes.
func (m *Mail) EmailTaken(ctx context.Context, newEmail string) error {
	return m.send(ctx, "email_taken", "Someone tried to move a Claro account to this address", newEmail, mailData{NewEmail: newEmail})
}

// EmailChanged tells the old address that the account moved to newEmail.
func (m *Mail) EmailChanged(ctx context.Context, name, oldEmail, newEmail string) error {
	return m.send(ctx, "email_changed", "Your Claro email address was changed", oldEmail,
		mailData{Name: name, Email: oldEmail, NewEmail: newEmail})
}

// Invitation tells email that inviter asked them to help run store as
// role, until expires. It carries no token: the invitation is accepted on
// the dashboard, by the account holding this address, verified, so the mail
// only says where to go.
func (m *Mail) Invitation(ctx context.Context, email, store, inviter, role string, expires time.Time) error {
	return m.send(ctx, "invitation", "You are invited to help run "+store+" on Claro", email,
		mailData{Email: email, Store: store, Inviter: inviter, Role: role, Valid: expires.UTC().Format("2 January 2006")})
}

// ClaimLink issues the single-use link a guest order's receipt carries
// (receipts.ClaimLinker): bound to the order and the address it was paid
// with, for ClaimTTL.
func (m *Mail) ClaimLink(ctx context.Context, orderID int64, email string) (string, error) {
	return m.link(ctx, ClaimPath, Token{Purpose: PurposeClaim, Email: email, OrderID: orderID}, ClaimTTL, "")
}

// sendCounted is send for a message whose address allowance was already
// counted (before its token was issued).
func (m *Mail) sendCounted(ctx context.Context, name, subject, to string, d mailData) error {
	d.Market = m.market
	var body bytes.Buffer
	if err := m.tmpl.ExecuteTemplate(&body, name, d); err != nil {
		return err
	}
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	ctx, cancel := context.WithTimeout(ctx, mailTimeout)
	defer cancel()
	return m.mailer.Send(ctx, receipts.Message{From: m.from, To: to, Subject: subject, Text: body.String(),
		ID: "account-" + name + "-" + hex.EncodeToString(id)})
}

const mailTemplates = `
{{define "verify"}}Hello {{.Name}},

Open this link to confirm {{.Email}} and sign in to Claro:

{{.Link}}

It works once, for {{.Valid}}. Until you confirm, purchases made with this
address as a guest stay out of your account.

If you did not create a Claro account, ignore this email: nothing happens
unless the link is opened.
{{end}}
{{define "taken"}}Hello,

Someone, perhaps you, tried to create a Claro account with {{.Email}}.
You already have an account with this address, so nothing was created.

Sign in: {{.Market}}/login
Forgot your password? Reset it: {{.Market}}/forgot

If it was not you, ignore this email: your account is unchanged.
{{end}}
{{define "reset"}}Hello {{.Name}},

Open this link to choose a new password for {{.Email}}:

{{.Link}}

It works once, for {{.Valid}}. Choosing a new password signs you out
everywhere else.

If you did not ask for this, ignore this email: your password is unchanged.
{{end}}
{{define "signin"}}Hello {{.Name}},

Open this link to sign in to Claro as {{.Email}}:

{{.Link}}

It works once, for {{.Valid}}. If you did not ask for it, ignore this
email: nobody can sign in without opening the link.
{{end}}
{{define "email_change"}}Hello {{.Name}},

Open this link to make {{.NewEmail}} the email address of your Claro
account (now {{.Email}}):

{{.Link}}

It works once, for {{.Valid}}. If you did not ask for this, ignore this
email: nothing changes unless the link is opened.
{{end}}
{{define "email_taken"}}Hello,

Someone asked to move a Claro account to {{.NewEmail}}. This address
already has its own Claro account, so nothing was changed.

If it was not you, ignore this email: your account is unchanged.
{{end}}
{{define "invitation"}}Hello,

{{if .Inviter}}{{.Inviter}} invited{{else}}You are invited{{end}} {{.Email}} to help run {{.Store}} on Claro,
as {{if eq .Role "owner"}}an owner{{else}}an admin{{end}}.

To accept, sign in (or create an account) with this address, confirm it
if you have not, and answer on your dashboard: {{.Market}}/dashboard

The invitation is open until {{.Valid}}. If you do not know this store,
ignore this email: nothing happens unless you accept.
{{end}}
{{define "email_changed"}}Hello {{.Name}},

The email address of your Claro account was changed from {{.Email}} to
{{.NewEmail}}. Receipts and sign-in links now go there.

If you did not do this, someone who knows your password did: reply to
this email at once.
{{end}}
`
