package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Session lifetimes: a session ends 30 days after sign-in at most, or after a
// week without use.
const (
	SessionMaxAge  = 30 * 24 * time.Hour
	SessionIdle    = 7 * 24 * time.Hour
	touchEvery     = time.Minute
	sessionTokenSz = 32
)

// Session is a signed-in browser. The token itself lives only in the cookie;
// the table keeps its SHA-256.
type Session struct {
	ID         int64
	UserID     int64
	TokenHash  []byte
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// Host is "" for a session in the platform's cookie (ROOT_DOMAIN and
	// its subdomains), or the one custom domain a hand-off bound it to.
	Host string
	User User
	// Verified is whether the user's address is verified.
	Verified bool
}

// Sessions reads and writes sessions, always on the primary: a session just
// created must be found by the very next request.
type Sessions struct {
	db  bun.IDB
	now func() time.Time
}

// NewSessions returns the session store.
func NewSessions(db bun.IDB) *Sessions { return &Sessions{db: db, now: time.Now} }

// HashToken is the stored form of a session token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Create starts a session for userID and returns its token.
func (s *Sessions) Create(ctx context.Context, userID int64, ip, userAgent string) (string, error) {
	return s.create(ctx, userID, nil, ip, userAgent)
}

// CreateOnHost starts a session valid on one custom domain only (a hand-off's
// result) and returns its token.
func (s *Sessions) CreateOnHost(ctx context.Context, userID int64, host, ip, userAgent string) (string, error) {
	return s.create(ctx, userID, &host, ip, userAgent)
}

func (s *Sessions) create(ctx context.Context, userID int64, host *string, ip, userAgent string) (string, error) {
	b := make([]byte, sessionTokenSz)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	_, err := s.db.NewRaw(`INSERT INTO sessions (token_hash, user_id, expires_at, ip, user_agent, host) VALUES (?, ?, ?, ?, ?, ?)`,
		HashToken(token), userID, s.now().Add(SessionMaxAge), ip, userAgent, host).Exec(ctx)
	return token, err
}

// Lookup returns the live session for token with its user. Expired and idle
// sessions are ErrNotFound. It refreshes last_seen_at at most once a minute.
func (s *Sessions) Lookup(ctx context.Context, token string) (*Session, error) {
	if len(token) != 43 { // base64 of 32 bytes
		return nil, ErrNotFound
	}
	now := s.now()
	var ss Session
	err := s.db.NewRaw(`SELECT s.id, s.user_id, s.token_hash, s.last_seen_at, s.expires_at, coalesce(s.host, ''),
			u.id AS user__id, u.email AS user__email, u.name AS user__name, u.email_verified_at IS NOT NULL
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen_at > ?`,
		HashToken(token), now, now.Add(-SessionIdle)).Scan(ctx, &ss.ID, &ss.UserID, &ss.TokenHash, &ss.LastSeenAt, &ss.ExpiresAt, &ss.Host,
		&ss.User.ID, &ss.User.Email, &ss.User.Name, &ss.Verified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(ss.LastSeenAt) > touchEvery {
		if _, err := s.db.NewRaw(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`, now, ss.ID).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return &ss, nil
}

// Delete ends the session holding token.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	_, err := s.db.NewRaw(`DELETE FROM sessions WHERE token_hash = ?`, HashToken(token)).Exec(ctx)
	return err
}

// DeleteAll ends every session of the user, on every host (a password
// reset), and any hand-off token not yet redeemed.
func (s *Sessions) DeleteAll(ctx context.Context, userID int64) error {
	if _, err := s.db.NewRaw(`DELETE FROM session_handoffs WHERE user_id = ?`, userID).Exec(ctx); err != nil {
		return err
	}
	_, err := s.db.NewRaw(`DELETE FROM sessions WHERE user_id = ?`, userID).Exec(ctx)
	return err
}

// DeleteExpired removes sessions past their lifetime or idle limit.
func (s *Sessions) DeleteExpired(ctx context.Context) (int64, error) {
	now := s.now()
	res, err := s.db.NewRaw(`DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`, now, now.Add(-SessionIdle)).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ActiveSession is one live session of an account as its settings page lists
// it: where and when it signed in, and when it was last used.
type ActiveSession struct {
	ID         int64     `bun:"id"`
	IP         string    `bun:"ip"`
	UserAgent  string    `bun:"user_agent"`
	Host       string    `bun:"host"` // "" on the platform; else the custom domain it is bound to
	CreatedAt  time.Time `bun:"created_at"`
	LastSeenAt time.Time `bun:"last_seen_at"`
}

// Device is a short readable summary of the session's user agent.
func (a ActiveSession) Device() string { return DeviceName(a.UserAgent) }

// ForUser lists the user's live sessions (expired and idle ones are not
// sessions any more), the most recently used first.
func (s *Sessions) ForUser(ctx context.Context, userID int64) ([]ActiveSession, error) {
	now := s.now()
	var out []ActiveSession
	err := s.db.NewRaw(`SELECT id, ip, user_agent, coalesce(host, '') AS host, created_at, last_seen_at FROM sessions
		WHERE user_id = ? AND expires_at > ? AND last_seen_at > ? ORDER BY last_seen_at DESC, id DESC`,
		userID, now, now.Add(-SessionIdle)).Scan(ctx, &out)
	return out, err
}

// End ends one session of the user's; a session of another account, or one
// that does not exist, is ErrNotFound and ends nothing.
func (s *Sessions) End(ctx context.Context, userID, sessionID int64) error {
	res, err := s.db.NewRaw(`DELETE FROM sessions WHERE id = ? AND user_id = ?`, sessionID, userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// EndOthers ends every session of the user's except keep (the browser
// asking) and reports how many ended.
func (s *Sessions) EndOthers(ctx context.Context, userID, keep int64) (int64, error) {
	res, err := s.db.NewRaw(`DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keep).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
