package accounts

import (
	"context"
	"errors"
	"log/slog"
	"net/mail"
	"time"

	"github.com/claro-market/claro/app/ratelimit"
	"github.com/uptrace/bun"
)

// ErrAlreadyVerified is a request for a verification link from an account
// whose address is verified already.
var ErrAlreadyVerified = errors.New("accounts: address already verified")

// ErrBadEmail is an address that is not one.
var ErrBadEmail = errors.New("accounts: not an email address")

// WithEmail gives Auth its mail and what to do once an account's address is
// verified (attach the guest purchases made with it: library.Store.Claim).
// Mail that cannot be sent is logged to log, never shown: the pages that
// send it answer the same whether or not anything was sent.
func (a *Auth) WithEmail(m *Mail, onVerified func(ctx context.Context, userID int64) error, log *slog.Logger) *Auth {
	a.mail, a.onVerified, a.log = m, onVerified, log
	return a
}

// delivered logs what became of a message a page will not speak of.
func (a *Auth) delivered(what string, err error) {
	var thr *MailThrottledError
	switch {
	case errors.As(err, &thr):
		a.log.Info("accounts: mail not sent, address over its hourly allowance", "mail", what)
	case err != nil:
		a.log.Error("accounts: mail not sent", "mail", what, "err", err)
	}
}

// verified marks the account's address verified, as the link just redeemed
// proved it, and attaches what was bought with it.
func (a *Auth) verified(ctx context.Context, u *User, email string) error {
	ok, err := a.users.MarkVerified(ctx, u.ID, email)
	if err != nil || !ok {
		return err
	}
	if err := a.mail.tokens.Revoke(ctx, u.ID, PurposeVerify); err != nil {
		return err
	}
	if a.onVerified != nil {
		return a.onVerified(ctx, u.ID)
	}
	return nil
}

// redeem spends a link made for purpose and returns the account it was
// sent for, while that account's address is still the one it went to: a
// link sent to an address the account has left is void.
func (a *Auth) redeem(ctx context.Context, purpose Purpose, token string) (*User, *Token, error) {
	t, err := a.mail.tokens.Redeem(ctx, purpose, token)
	if err != nil {
		return nil, nil, err
	}
	u, err := a.users.ByID(ctx, t.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Email != t.Email) {
		return nil, nil, ErrTokenInvalid
	}
	return u, t, err
}

// Verify spends a verification link: the address is verified, the guest
// purchases made with it join the account, and a new session starts.
func (a *Auth) Verify(ctx context.Context, token, ip, userAgent string) (*User, string, error) {
	return a.signInByLink(ctx, PurposeVerify, token, ip, userAgent)
}

// signInByLink spends a link of purpose that proves the mailbox: the
// address is verified (its guest purchases join the account) and a new
// session starts.
func (a *Auth) signInByLink(ctx context.Context, purpose Purpose, token, ip, userAgent string) (*User, string, error) {
	u, t, err := a.redeem(ctx, purpose, token)
	if err != nil {
		return nil, "", err
	}
	if err := a.verified(ctx, u, t.Email); err != nil {
		return nil, "", err
	}
	s, err := a.sessions.Create(ctx, u.ID, ip, userAgent)
	return u, s, err
}

// ResendVerification emails the signed-in user a new verification link.
// Throttled per client address (ThrottledError) and per address
// (MailThrottledError); a verified address is ErrAlreadyVerified.
func (a *Auth) ResendVerification(ctx context.Context, userID int64, ip, next string) (*User, error) {
	u, err := a.users.ByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.EmailVerifiedAt != nil {
		return u, ErrAlreadyVerified
	}
	if err := a.mail.allowIP(ctx, ip); err != nil {
		return u, err
	}
	return u, a.mail.Verification(ctx, u, next)
}

// validEmail normalises email and reports whether it is an address.
func validEmail(email string) (string, bool) {
	email = NormalizeEmail(email)
	a, err := mail.ParseAddress(email)
	return email, err == nil && a.Address == email && len(email) <= 254
}

// emailed runs the part of a "we sent you a link" request that must not
// show whether the address has an account: the client address's allowance
// (the only refusal: ThrottledError), the address checked (ErrBadEmail),
// then send for the account holding it, if any. Whatever happens after the
// allowance, the caller answers the same.
func (a *Auth) emailed(ctx context.Context, what, email, ip string, send func(*User) error) error {
	email, ok := validEmail(email)
	if !ok {
		return ErrBadEmail
	}
	if err := a.mail.allowIP(ctx, ip); err != nil {
		return err
	}
	u, err := a.users.ByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNotFound):
		a.delivered(what, a.mail.allowAddress(ctx, email)) // counted like a real send
		return nil
	case err != nil:
		return err
	}
	a.delivered(what, send(u))
	return nil
}

// ForgotPassword emails a reset link to the account holding email, if any.
func (a *Auth) ForgotPassword(ctx context.Context, email, ip string) error {
	return a.emailed(ctx, "reset", email, ip, func(u *User) error { return a.mail.Reset(ctx, u) })
}

// EmailSignIn emails a sign-in link to the account holding email, if any.
func (a *Auth) EmailSignIn(ctx context.Context, email, ip, next string) error {
	return a.emailed(ctx, "signin", email, ip, func(u *User) error { return a.mail.SignIn(ctx, u, next) })
}

// CheckReset reports whether a reset link still works, without spending it.
func (a *Auth) CheckReset(ctx context.Context, token string) error {
	_, err := a.mail.tokens.Check(ctx, PurposeReset, token)
	return err
}

// ResetPassword spends a reset link and sets the new password (checked by
// the caller). The link proved the mailbox, so the address is verified; every
// session of the account ends, its other reset and sign-in links are void,
// and a new session starts for this browser.
func (a *Auth) ResetPassword(ctx context.Context, token, password, ip, userAgent string) (*User, string, error) {
	hash, err := HashPassword(password)
	if err != nil {
		return nil, "", err
	}
	var u *User
	err = a.users.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		in := &Auth{users: NewUsers(tx), sessions: NewSessions(tx), mail: &Mail{tokens: NewTokens(tx)}}
		var t *Token
		if u, t, err = in.redeem(ctx, PurposeReset, token); err != nil {
			return err
		}
		if err := in.users.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		if err := in.sessions.DeleteAll(ctx, u.ID); err != nil {
			return err
		}
		for _, p := range []Purpose{PurposeReset, PurposeSignIn} {
			if err := in.mail.tokens.Revoke(ctx, u.ID, p); err != nil {
				return err
			}
		}
		return in.verified(ctx, u, t.Email) // no onVerified inside: it runs below, on what this committed
	})
	if err != nil {
		return nil, "", err
	}
	if a.onVerified != nil {
		if err := a.onVerified(ctx, u.ID); err != nil {
			return nil, "", err
		}
	}
	s, err := a.sessions.Create(ctx, u.ID, ip, userAgent)
	return u, s, err
}

// SignInWithLink spends a sign-in link: the link proved the mailbox, so the
// address is verified, and a new session starts.
func (a *Auth) SignInWithLink(ctx context.Context, token, ip, userAgent string) (*User, string, error) {
	return a.signInByLink(ctx, PurposeSignIn, token, ip, userAgent)
}

// ErrSameEmail is a change of address to the address the account has.
var ErrSameEmail = errors.New("accounts: that is the account's address already")

// checkPassword checks u's password under the sign-in limits of the
// (account, address) pair, as signing in does, so a stolen session cannot
// guess it faster than a sign-in form could.
func (a *Auth) checkPassword(ctx context.Context, u *User, password, ip string) error {
	pair := pairKey(u.Email, addressKey(ip))
	fails, err := a.limits.Count(ctx, pair, loginWindow)
	if err != nil {
		return err
	}
	if fails >= loginFailPerPair {
		return &ThrottledError{RetryAfter: time.Until(ratelimit.WindowEnd(time.Now(), loginWindow))}
	}
	if ok, err := CheckPassword(u.PasswordHash, password); err != nil || !ok || len(password) > maxPassword {
		if _, _, herr := a.limits.Hit(ctx, pair, loginWindow); herr != nil {
			return herr
		}
		return ErrBadCredentials
	}
	return nil
}

// RequestEmailChange checks the account's current password and emails
// newEmail a link that moves the account there. When newEmail has an account
// already, its owner is told so instead; the answer is the same either way.
// Refusals: ErrBadEmail, ErrSameEmail, ErrBadCredentials, ThrottledError.
func (a *Auth) RequestEmailChange(ctx context.Context, userID int64, password, newEmail, ip string) error {
	newEmail, ok := validEmail(newEmail)
	if !ok {
		return ErrBadEmail
	}
	u, err := a.users.ByID(ctx, userID)
	if err != nil {
		return err
	}
	if newEmail == u.Email {
		return ErrSameEmail
	}
	if err := a.checkPassword(ctx, u, password, ip); err != nil {
		return err
	}
	if err := a.mail.allowIP(ctx, ip); err != nil {
		return err
	}
	switch _, err := a.users.ByEmail(ctx, newEmail); {
	case err == nil:
		a.delivered("email change, address taken", a.mail.EmailTaken(ctx, newEmail))
	case errors.Is(err, ErrNotFound):
		a.delivered("email change", a.mail.EmailChange(ctx, u, newEmail))
	default:
		return err
	}
	return nil
}

// ConfirmEmailChange spends an email-change link: the account moves to the
// address the link was sent to, verified (the link proved that mailbox); the
// links sent to the old address are void, the old address is told, and the
// guest purchases made with the new one join the account. An address that
// has its own account by now is ErrEmailTaken, and nothing changes.
func (a *Auth) ConfirmEmailChange(ctx context.Context, token string) (*User, error) {
	t, err := a.mail.tokens.Redeem(ctx, PurposeEmailChange, token)
	if err != nil {
		return nil, err
	}
	u, err := a.users.ByID(ctx, t.UserID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, err
	}
	old := u.Email
	if old == t.Email {
		return u, nil // opened twice at once, or confirmed already
	}
	if err := a.users.ChangeEmail(ctx, u.ID, t.Email); err != nil {
		return nil, err
	}
	u.Email = t.Email
	for _, p := range []Purpose{PurposeVerify, PurposeReset, PurposeSignIn, PurposeEmailChange} {
		if err := a.mail.tokens.Revoke(ctx, u.ID, p); err != nil {
			return nil, err
		}
	}
	a.delivered("email changed notice", a.mail.EmailChanged(ctx, u.Name, old, u.Email))
	if a.onVerified != nil {
		if err := a.onVerified(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return u, nil
}
