package accounts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Purpose is what a one-time email link does; a token made for one purpose
// is never accepted for another.
type Purpose string

// The purposes of email links.
const (
	PurposeVerify      Purpose = "verify"       // prove the account's address
	PurposeReset       Purpose = "reset"        // choose a new password
	PurposeSignIn      Purpose = "signin"       // sign in without a password
	PurposeClaim       Purpose = "claim"        // attach one guest order to an account
	PurposeEmailChange Purpose = "email_change" // confirm a new address
)

// ErrTokenInvalid is a link that is unknown, spent, expired or made for
// another purpose: the one answer, whichever it was.
var ErrTokenInvalid = errors.New("accounts: link invalid or expired")

// Token is a redeemed one-time link: who and what it was made for.
type Token struct {
	Purpose Purpose
	UserID  int64 // 0 when the link was made for an address without an account
	Email   string
	OrderID int64 // PurposeClaim only
}

// Tokens issues and redeems one-time email links. Only the SHA-256 of a
// token is stored (as for sessions), and redeeming one spends it in the same
// statement, so a link works once even when it is opened twice at once.
type Tokens struct {
	db  bun.IDB
	now func() time.Time
}

// NewTokens returns the token store; use the primary.
func NewTokens(db bun.IDB) *Tokens { return &Tokens{db: db, now: time.Now} }

// Issue makes a token for t that expires after ttl and returns it; only the
// returned string can redeem it.
func (s *Tokens) Issue(ctx context.Context, t Token, ttl time.Duration) (string, error) {
	b := make([]byte, sessionTokenSz)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	_, err := s.db.NewRaw(`INSERT INTO email_tokens (token_hash, purpose, user_id, email, order_id, expires_at)
		VALUES (?, ?, nullif(?, 0), ?, nullif(?, 0), ?)`,
		HashToken(token), string(t.Purpose), t.UserID, NormalizeEmail(t.Email), t.OrderID, s.now().Add(ttl)).Exec(ctx)
	return token, err
}

// Redeem spends a live token made for purpose and returns what it was made
// for; anything else is ErrTokenInvalid.
func (s *Tokens) Redeem(ctx context.Context, purpose Purpose, token string) (*Token, error) {
	if len(token) != 43 { // base64 of 32 bytes
		return nil, ErrTokenInvalid
	}
	t := Token{Purpose: purpose}
	err := s.db.NewRaw(`UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
		RETURNING coalesce(user_id, 0), email, coalesce(order_id, 0)`,
		s.now(), HashToken(token), string(purpose), s.now()).Scan(ctx, &t.UserID, &t.Email, &t.OrderID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Check reports what a live token of purpose was made for without spending
// it: a form the link opens (a new password) is shown only while the link
// works, and the link is spent when the form is sent.
func (s *Tokens) Check(ctx context.Context, purpose Purpose, token string) (*Token, error) {
	if len(token) != 43 {
		return nil, ErrTokenInvalid
	}
	t := Token{Purpose: purpose}
	err := s.db.NewRaw(`SELECT coalesce(user_id, 0), email, coalesce(order_id, 0) FROM email_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
		HashToken(token), string(purpose), s.now()).Scan(ctx, &t.UserID, &t.Email, &t.OrderID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// RevokeOrder spends every live claim link of an order: once the order is
// in an account, the other links sent for it are void.
func (s *Tokens) RevokeOrder(ctx context.Context, orderID int64) error {
	_, err := s.db.NewRaw(`UPDATE email_tokens SET used_at = ? WHERE order_id = ? AND purpose = ? AND used_at IS NULL`,
		s.now(), orderID, string(PurposeClaim)).Exec(ctx)
	return err
}

// Revoke spends every live token of purpose for the user, so an older link
// stops working once a newer one, or the thing it was for, is used.
func (s *Tokens) Revoke(ctx context.Context, userID int64, purpose Purpose) error {
	_, err := s.db.NewRaw(`UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`,
		s.now(), userID, string(purpose)).Exec(ctx)
	return err
}

// DeleteExpired removes tokens past their expiry or spent more than a day ago.
func (s *Tokens) DeleteExpired(ctx context.Context) (int64, error) {
	now := s.now()
	res, err := s.db.NewRaw(`DELETE FROM email_tokens WHERE expires_at <= ? OR used_at <= ?`, now, now.Add(-24*time.Hour)).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
