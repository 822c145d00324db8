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

// HandoffTTL is how long a hand-off token may wait to be redeemed.
const HandoffTTL = 60 * time.Second

// ErrHandoffInvalid is every refused hand-off: unknown, already used,
// expired, or presented on another host than the one it was minted for. The
// caller answers 401 without saying which.
var ErrHandoffInvalid = errors.New("accounts: hand-off token invalid, used, expired or for another host")

// Handoffs carries a signed-in user from ROOT_DOMAIN to a store's custom
// domain, which the platform's session cookie never reaches. A token is 256
// random bits; the table keeps its SHA-256 with the one host it is for, its
// expiry and whether it was used, so it cannot be forged, replayed, moved to
// another host or kept for later. Always on the primary: a token minted a
// moment ago must be found.
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

// Mint creates a token for userID to redeem on targetHost, landing on next.
func (h *Handoffs) Mint(ctx context.Context, userID int64, targetHost, next string) (string, error) {
	b := make([]byte, sessionTokenSz)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	_, err := h.db.NewRaw(`INSERT INTO session_handoffs (token_hash, user_id, target_host, next_path, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, HashToken(token), userID, targetHost, next, h.now(), h.now().Add(HandoffTTL)).Exec(ctx)
	return token, err
}

// Redeem spends the token on host and returns whom it signs in and where
// they go next. Any presentation spends it, right host or not, so a token
// seen anywhere it should not be is dead.
func (h *Handoffs) Redeem(ctx context.Context, token, host string) (userID int64, next string, err error) {
	if len(token) != 43 {
		return 0, "", ErrHandoffInvalid
	}
	now := h.now()
	var target string
	var expires time.Time
	err = h.db.NewRaw(`UPDATE session_handoffs SET used_at = ? WHERE token_hash = ? AND used_at IS NULL
		RETURNING user_id, target_host, next_path, expires_at`, now, HashToken(token)).
		Scan(ctx, &userID, &target, &next, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, "", ErrHandoffInvalid
	case err != nil:
		return 0, "", err
	case target != host || !now.Before(expires):
		return 0, "", ErrHandoffInvalid
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
