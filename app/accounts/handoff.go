package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// HandoffTTL is how long a hand-off token may wait to be redeemed.
const HandoffTTL = 60 * time.Second

// ErrHandoffInvalid is every refused hand-off: unknown, already used,
// expired, or presented on another host than the one it was minted for. The
// caller answers 401 without saying which.
var ErrHandoffInvalid = errors.New("accounts: hand-off token invalid, used, expired or for another host")

// ErrHandoffOtherBrowser is a valid token presented by a browser other than
// the one that asked for it (its hand-off cookie is missing or different):
// the link was minted for someone else's sign-in, or sent on. It is spent
// and signs nobody in.
var ErrHandoffOtherBrowser = errors.New("accounts: hand-off token redeemed by another browser than the one that asked")

// Handoffs carries a signed-in user from ROOT_DOMAIN to a store's custom
// domain, which the platform's session cookie never reaches. A token is 256
// random bits; the table keeps its SHA-256 with the one host it is for, its
// expiry, whether it was used and the SHA-256 of the nonce the asking
// browser holds in a cookie on that host, so it cannot be forged, replayed,
// moved to another host, kept for later or redeemed by another browser (a
// link minted for an attacker's account and sent to a victim signs nobody
// in). Always on the primary: a token minted a moment ago must be found.
type Handoffs struct {
	db  bun.IDB
	now func() time.Time
}

// NewHandoffs returns the hand-off store on the primary.
func NewHandoffs(db bun.IDB) *Handoffs { return &Handoffs{db: db, now: time.Now} }

// WithClock makes the store read time from now (tests move it forward).
func (h *Handoffs) WithClock(now func() time.Time) *Handoffs {
	h.now = now
	return h
}

// NewBrowserNonce returns a fresh nonce for the asking browser's hand-off
// cookie and its SHA-256, base64url-encoded, which travels to ROOT_DOMAIN
// as the hand-off's state (the nonce itself never leaves the cookie).
func NewBrowserNonce() (nonce, state string, err error) {
	b := make([]byte, sessionTokenSz)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	nonce = base64.RawURLEncoding.EncodeToString(b)
	return nonce, base64.RawURLEncoding.EncodeToString(HashToken(nonce)), nil
}

// ParseState decodes a hand-off state (NewBrowserNonce's second value) into
// the 32-byte hash Mint binds the token to; ok is false for anything else.
func ParseState(state string) (browserHash []byte, ok bool) {
	if len(state) != 43 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(state)
	return b, err == nil && len(b) == 32
}

// Mint creates a token for userID to redeem on targetHost, landing on next,
// by the browser whose hand-off nonce hashes to browserHash (ParseState).
func (h *Handoffs) Mint(ctx context.Context, userID int64, targetHost, next string, browserHash []byte) (string, error) {
	if len(browserHash) != 32 {
		return "", errors.New("accounts: a hand-off is bound to a 32-byte browser hash")
	}
	b := make([]byte, sessionTokenSz)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	_, err := h.db.NewRaw(`INSERT INTO session_handoffs (token_hash, user_id, target_host, next_path, created_at, expires_at, browser_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, HashToken(token), userID, targetHost, next, h.now(), h.now().Add(HandoffTTL), browserHash).Exec(ctx)
	return token, err
}

// Redeem spends the token on host for the browser holding nonce (its
// hand-off cookie) and returns whom it signs in and where they go next. Any
// presentation spends it, right host and browser or not, so a token seen
// anywhere it should not be is dead. A valid token shown by another
// browser is ErrHandoffOtherBrowser; every other refusal ErrHandoffInvalid.
func (h *Handoffs) Redeem(ctx context.Context, token, host, nonce string) (userID int64, next string, err error) {
	if len(token) != 43 {
		return 0, "", ErrHandoffInvalid
	}
	now := h.now()
	var target string
	var expires time.Time
	var bound []byte
	err = h.db.NewRaw(`UPDATE session_handoffs SET used_at = ? WHERE token_hash = ? AND used_at IS NULL
		RETURNING user_id, target_host, next_path, expires_at, browser_hash`, now, HashToken(token)).
		Scan(ctx, &userID, &target, &next, &expires, &bound)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, "", ErrHandoffInvalid
	case err != nil:
		return 0, "", err
	case target != host || !now.Before(expires):
		return 0, "", ErrHandoffInvalid
	case len(bound) != 32 || nonce == "" || subtle.ConstantTimeCompare(bound, HashToken(nonce)) != 1:
		return 0, "", ErrHandoffOtherBrowser
	}
	return userID, next, nil
}

// DeleteExpired removes tokens past their expiry (used or not).
func (h *Handoffs) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := h.db.NewRaw(`DELETE FROM session_handoffs WHERE expires_at <= ?`, h.now()).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
