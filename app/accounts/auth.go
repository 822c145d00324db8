package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/netip"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/claro-market/claro/app/ratelimit"
)

// Sign-in and sign-up limits. Sign-in attempts count per address, and
// failures per (account, address) pair, never per account alone: a limit on
// the account would let anyone lock its owner out, so wrong passwords from
// elsewhere slow only the addresses that send them. Every limit is a fixed
// window, so a throttled address waits for the window's end, never longer.
const (
	loginWindow      = 15 * time.Minute
	loginPerIP       = 30
	loginFailPerPair = 5
	signupWindow     = time.Hour
	signupPerIP      = 10
	minPassword      = 10
	maxPassword      = 256
)

// ErrBadCredentials is the one answer to a wrong email or password: it never
// says which.
var ErrBadCredentials = errors.New("accounts: bad credentials")

// ThrottledError says how long to wait before trying again.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("accounts: throttled, retry after %s", e.RetryAfter)
}

// Auth signs people up, in and out.
type Auth struct {
	users    *Users
	sessions *Sessions
	limits   ratelimit.Limiter
	// mail sends account email; onVerified runs once an address is
	// verified; log hears of mail that could not be sent (WithEmail).
	mail       *Mail
	onVerified func(ctx context.Context, userID int64) error
	log        *slog.Logger
	// dummy is a hash to check against when the email is unknown, so both
	// answers take as long; made on first use, not at start-up.
	dummy     string
	dummyOnce sync.Once
}

// NewAuth returns the sign-in service.
func NewAuth(users *Users, sessions *Sessions, limits ratelimit.Limiter) (*Auth, error) {
	return &Auth{users: users, sessions: sessions, limits: limits, log: slog.New(slog.DiscardHandler)}, nil
}

// SignUpForm is the sign-up form.
type SignUpForm struct {
	Email    string
	Password string
	Name     string
	Errors   map[string]string
}

// Validate checks the form and fills Errors; it reports whether it is valid.
func (f *SignUpForm) Validate() bool {
	f.Errors = map[string]string{}
	var ok bool
	f.Name = strings.TrimSpace(f.Name)
	if f.Email, ok = CheckEmail(f.Email); !ok {
		f.Errors["email"] = EmailMessage
	}
	if p := passwordProblem(f.Password); p != "" {
		f.Errors["password"] = p
	}
	if p := nameProblem(f.Name); p != "" {
		f.Errors["name"] = p
	}
	return len(f.Errors) == 0
}

// EmailMessage is the answer to an address CheckEmail refuses.
const EmailMessage = "Enter an email address like name@example.com."

// CheckEmail normalises an address and reports whether it is one an account
// may have (a bare address of at most 254 characters): sign-up's rule, and
// the dashboard's for invitations.
func CheckEmail(s string) (string, bool) {
	s = NormalizeEmail(s)
	a, err := mail.ParseAddress(s)
	return s, err == nil && a.Address == s && len(s) <= 254
}

// passwordProblem is what is wrong with a new password, or "": the one rule
// for sign-up and for a change of password.
func passwordProblem(password string) string {
	if n := utf8.RuneCountInString(password); n < minPassword || n > maxPassword {
		return fmt.Sprintf("Use a password of %d to %d characters.", minPassword, maxPassword)
	}
	return ""
}

// nameProblem is what is wrong with a display name (already trimmed), or "":
// the one rule for sign-up and for the account settings.
func nameProblem(name string) string {
	if name == "" || utf8.RuneCountInString(name) > 80 || strings.ContainsAny(name, "<>") {
		return "Enter your name (up to 80 characters, no < or >)."
	}
	return ""
}

// SignUp creates the account, unverified, and emails it a verification
// link that signs in and goes on to next. When the address already has an
// account, nothing is created and its owner is emailed that they have one
// (sign in, or reset the password). Both answer alike, with no session and no
// error, and both hash the password first, so neither the answer nor its
// time says whether the address has an account. Only the client address's
// allowance (ThrottledError) refuses.
func (a *Auth) SignUp(ctx context.Context, f *SignUpForm, ip, next string) error {
	n, reset, err := a.limits.Hit(ctx, "signup:ip:"+ip, signupWindow)
	if err != nil {
		return err
	}
	if n > signupPerIP {
		return &ThrottledError{RetryAfter: time.Until(reset)}
	}
	hash, err := HashPassword(f.Password)
	if err != nil {
		return err
	}
	u := &User{Email: f.Email, Name: f.Name, PasswordHash: hash}
	switch err := a.users.Create(ctx, u); {
	case errors.Is(err, ErrEmailTaken):
		a.delivered("sign-up, address taken", a.mail.AlreadyRegistered(ctx, f.Email))
	case err != nil:
		return err
	default:
		a.delivered("verify", a.mail.Verification(ctx, u, next))
	}
	return nil
}

// addressKey is the address a sign-in limit counts: an IPv4 address as it
// is, an IPv6 address as its /64, which one subscriber usually holds whole
// (so walking through it buys no more attempts).
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// pairKey counts one address's failures against one account; the email is
// hashed so the limiter never holds addresses people typed.
func pairKey(email, ip string) string {
	h := sha256.Sum256([]byte(NormalizeEmail(email) + "\x00" + ip))
	return "login:pair:" + hex.EncodeToString(h[:12])
}

// SignIn checks the credentials under the per-address and per-(account,
// address) limits and starts a new session (a new token: sessions rotate at
// sign-in).
func (a *Auth) SignIn(ctx context.Context, email, password, ip, userAgent string) (*User, string, error) {
	addr := addressKey(ip)
	n, reset, err := a.limits.Hit(ctx, "login:ip:"+addr, loginWindow)
	if err != nil {
		return nil, "", err
	}
	if n > loginPerIP {
		return nil, "", &ThrottledError{RetryAfter: time.Until(reset)}
	}
	pair := pairKey(email, addr)
	fails, err := a.limits.Count(ctx, pair, loginWindow)
	if err != nil {
		return nil, "", err
	}
	if fails >= loginFailPerPair {
		return nil, "", &ThrottledError{RetryAfter: time.Until(ratelimit.WindowEnd(time.Now(), loginWindow))}
	}

	u, err := a.users.ByEmail(ctx, email)
	a.dummyOnce.Do(func() { a.dummy, _ = HashPassword("not a real password, only for timing") })
	hash := a.dummy
	if err == nil {
		hash = u.PasswordHash
	} else if !errors.Is(err, ErrNotFound) {
		return nil, "", err
	}
	ok, cerr := CheckPassword(hash, password)
	if err != nil || cerr != nil || !ok || len(password) > maxPassword {
		if _, _, herr := a.limits.Hit(ctx, pair, loginWindow); herr != nil {
			return nil, "", herr
		}
		return nil, "", ErrBadCredentials
	}
	_ = a.limits.Reset(ctx, pair, loginWindow)
	token, err := a.sessions.Create(ctx, u.ID, ip, userAgent)
	return u, token, err
}

// SignOut ends the session.
func (a *Auth) SignOut(ctx context.Context, token string) error { return a.sessions.Delete(ctx, token) }
