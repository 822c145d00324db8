// Package apitokens holds a store's personal access tokens for the JSON API
// on ROOT_DOMAIN/api/v1 (app/api): created on the dashboard with a name and
// scopes, shown once, stored as their SHA-256 only, revocable. A token is
// "claro_pat_" and 52 characters of base 32 (32 random bytes). Every
// creator-side method takes the store's id and runs in db.InTenant, under
// row-level security; Authenticate is the one lookup by token across stores
// (a request's store is not known before its token is read).
package apitokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/tenants"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Scopes a token may hold. Each API route needs one (app/api).
const (
	ProductsRead  = "products:read"  // list and read products
	ProductsWrite = "products:write" // create, update, publish products, upload their files
	SalesRead     = "sales:read"     // list and read orders
	SalesRefund   = "sales:refund"   // refund an order: an owner's token only, as on the dashboard
	Licenses      = "licenses"       // list license keys, disable and enable them
)

// AllScopes is every scope, in the order the dashboard offers them; the
// migration's CHECK holds the same set.
var AllScopes = []string{ProductsRead, ProductsWrite, SalesRead, SalesRefund, Licenses}

// OwnerOnly are the scopes only a store owner may grant, and which a token
// keeps only while its creator is an owner (refunds are an owner's action
// on the dashboard too).
var OwnerOnly = []string{SalesRefund}

// Prefix starts every token, so a leaked one is recognisable (secret
// scanners match it) and a request's header is checked before any lookup.
const Prefix = "claro_pat_"

// secretLen is the length of a token after Prefix: 32 bytes in base 32.
const secretLen = 52

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// ErrUnknown is a token that does not exist, was revoked, or whose
// creator is no longer a member of its store: all the same 401.
var ErrUnknown = errors.New("apitokens: unknown or revoked token")

// ErrNotFound is a token id that is not the store's.
var ErrNotFound = fmt.Errorf("apitokens: not found: %w", sql.ErrNoRows)

// Token is one token as its store's dashboard lists it.
type Token struct {
	ID         int64      `bun:"id"`
	TenantID   int64      `bun:"tenant_id"`
	CreatedBy  int64      `bun:"created_by"`
	Creator    string     `bun:"creator"` // the creating member's name (or address)
	Name       string     `bun:"name"`
	Scopes     []string   `bun:"scopes,array"`
	Last4      string     `bun:"last4"`
	CreatedAt  time.Time  `bun:"created_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

// Principal is who an API request is: the store its token belongs to and
// the scopes it holds now.
type Principal struct {
	TokenID  int64
	TenantID int64
	Store    string // the store's slug
	Scopes   []string
}

// Has reports whether the principal holds scope.
func (p Principal) Has(scope string) bool { return slices.Contains(p.Scopes, scope) }

// Store reads and writes tokens.
type Store struct{ db *db.DB }

// New returns the token store over the database.
func New(d *db.DB) *Store { return &Store{db: d} }

// Hash is the SHA-256 stored for a token.
func Hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// WellFormed reports whether s has a token's shape (prefix, length,
// alphabet), so a malformed header is refused without a lookup.
func WellFormed(s string) bool {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok || len(rest) != secretLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return Prefix + strings.ToLower(encoding.EncodeToString(b))
}

// Problems are a create form's refusals by field name.
type Problems map[string]string

// Check validates a new token's name and scopes for a member of role;
// scopes come back sorted in AllScopes' order, without repeats.
func Check(name string, scopes []string, role string) (string, []string, Problems) {
	p := Problems{}
	name = strings.TrimSpace(name)
	switch {
	case name == "" || len([]rune(name)) > 100:
		p["name"] = "Name the token (up to 100 characters), e.g. the script or service that uses it."
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		p["name"] = "The name cannot hold control characters."
	}
	var out []string
	for _, s := range AllScopes {
		if slices.Contains(scopes, s) {
			out = append(out, s)
		}
	}
	for _, s := range scopes {
		if !slices.Contains(AllScopes, s) {
			p["scopes"] = "Choose scopes from the list."
		}
	}
	if len(out) == 0 && p["scopes"] == "" {
		p["scopes"] = "Choose at least one scope."
	}
	if role != tenants.RoleOwner {
		for _, s := range out {
			if slices.Contains(OwnerOnly, s) {
				p["scopes"] = "Only the store's owner can make a token that refunds orders."
			}
		}
	}
	return name, out, p
}

// Create makes a token for the store, created by userID, and returns it
// with the token itself: the only time it is ever known. name and scopes
// are Check's.
func (s *Store) Create(ctx context.Context, tenantID, userID int64, name string, scopes []string) (Token, string, error) {
	secret := newSecret()
	t := Token{TenantID: tenantID, CreatedBy: userID, Name: name, Scopes: scopes, Last4: secret[len(secret)-4:]}
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`INSERT INTO api_tokens (tenant_id, created_by, name, scopes, token_hash, last4)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id, created_at`,
			tenantID, userID, name, pgdialect.Array(scopes), Hash(secret), t.Last4).Scan(ctx, &t.ID, &t.CreatedAt)
	})
	return t, secret, err
}

// List returns the store's tokens, newest first, revoked ones included
// (the page shows when each was revoked).
func (s *Store) List(ctx context.Context, tenantID int64) ([]Token, error) {
	ts := []Token{}
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT t.id, t.tenant_id, t.created_by, coalesce(nullif(u.name, ''), u.email, '') AS creator, t.name, t.scopes,
				t.last4, t.created_at, t.last_used_at, t.revoked_at
			FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by
			WHERE t.tenant_id = ? ORDER BY t.id DESC LIMIT 200`, tenantID).Scan(ctx, &ts)
	})
	return ts, err
}

// Revoke ends one of the store's tokens for good; another store's token is
// ErrNotFound, an already revoked one stays as it was.
func (s *Store) Revoke(ctx context.Context, tenantID, id int64) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewRaw(`UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = ? AND id = ?`,
			tenantID, id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// Authenticate finds the live token token is: not revoked, of an active
// store, created by an account still a member of it. Scopes only an owner
// may hold are dropped while the creator is not an owner. It records the
// use (at most once a minute, so a busy token is not a write per request).
func (s *Store) Authenticate(ctx context.Context, token string) (Principal, error) {
	if !WellFormed(token) {
		return Principal{}, ErrUnknown
	}
	var p Principal
	var role string
	err := s.db.Primary.NewRaw(`SELECT t.id, t.tenant_id, tn.slug, t.scopes, m.role
		FROM api_tokens t JOIN tenants tn ON tn.id = t.tenant_id
		JOIN tenant_members m ON m.tenant_id = t.tenant_id AND m.user_id = t.created_by
		WHERE t.token_hash = ? AND t.revoked_at IS NULL AND tn.status = 'active'`, Hash(token)).
		Scan(ctx, &p.TokenID, &p.TenantID, &p.Store, pgdialect.Array(&p.Scopes), &role)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrUnknown
	}
	if err != nil {
		return Principal{}, err
	}
	if role != tenants.RoleOwner {
		p.Scopes = slices.DeleteFunc(p.Scopes, func(s string) bool { return slices.Contains(OwnerOnly, s) })
	}
	if _, err := s.db.Primary.NewRaw(`UPDATE api_tokens SET last_used_at = now()
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, p.TokenID).Exec(ctx); err != nil {
		return Principal{}, err
	}
	return p, nil
}
