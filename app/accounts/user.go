package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// ErrNotFound is a user or session that does not exist.
var ErrNotFound = fmt.Errorf("accounts: not found: %w", sql.ErrNoRows)

// ErrEmailTaken is a sign-up with an email that already has an account.
var ErrEmailTaken = errors.New("accounts: email taken")

// User is an account: a buyer, a creator, or both.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64  `bun:"id,pk,autoincrement"`
	Email        string `bun:"email"`
	Name         string `bun:"name"`
	PasswordHash string `bun:"password_hash"`
	// EmailVerifiedAt is when the owner opened a link sent to Email; nil
	// until then. Nothing is attached to an account by email while it is nil.
	EmailVerifiedAt *time.Time `bun:"email_verified_at"`
	CreatedAt       time.Time  `bun:"created_at,nullzero,default:now()"`
	UpdatedAt       time.Time  `bun:"updated_at,nullzero,default:now()"`
}

// NormalizeEmail is the one form emails are stored and looked up in.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Users reads and writes accounts.
type Users struct{ db bun.IDB }

// NewUsers returns the user store; use the primary.
func NewUsers(db bun.IDB) *Users { return &Users{db: db} }

// Create inserts a user; a taken email is ErrEmailTaken.
func (s *Users) Create(ctx context.Context, u *User) error {
	u.Email = NormalizeEmail(u.Email)
	_, err := s.db.NewInsert().Model(u).Returning("id, created_at, updated_at").Exec(ctx)
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return ErrEmailTaken
	}
	return err
}

// ByEmail returns the user with that email.
func (s *Users) ByEmail(ctx context.Context, email string) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("email = ?", NormalizeEmail(email)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, err
}

// ByID returns the user with that id.
func (s *Users) ByID(ctx context.Context, id int64) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, err
}

// SetName changes the user's display name (checked by the caller).
func (s *Users) SetName(ctx context.Context, id int64, name string) error {
	res, err := s.db.NewRaw(`UPDATE users SET name = ?, updated_at = now() WHERE id = ?`, name, id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// MarkVerified records that the owner of email opened a link sent to it:
// the account's address is verified, if it is still email (an address
// changed since the link was sent stays as it is). It reports whether the
// account's address is verified now.
func (s *Users) MarkVerified(ctx context.Context, id int64, email string) (bool, error) {
	res, err := s.db.NewRaw(`UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
		WHERE id = ? AND email = ?`, id, NormalizeEmail(email)).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetPassword replaces the account's password hash.
func (s *Users) SetPassword(ctx context.Context, id int64, hash string) error {
	_, err := s.db.NewRaw(`UPDATE users SET password_hash = ?, updated_at = now() WHERE id = ?`, hash, id).Exec(ctx)
	return err
}

// ChangeEmail moves the account to email, verified (its owner opened a
// link sent there); a taken address is ErrEmailTaken and changes nothing.
func (s *Users) ChangeEmail(ctx context.Context, id int64, email string) error {
	_, err := s.db.NewRaw(`UPDATE users SET email = ?, email_verified_at = now(), updated_at = now() WHERE id = ?`,
		NormalizeEmail(email), id).Exec(ctx)
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return ErrEmailTaken
	}
	return err
}
