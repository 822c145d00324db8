package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/claro-market/claro/app/ratelimit"
	"github.com/uptrace/bun"
)

// ErrWrongPassword is a password change whose current password is wrong.
var ErrWrongPassword = errors.New("accounts: current password wrong")

// ProfileForm is the account settings' profile form.
type ProfileForm struct {
	Name   string
	Errors map[string]string
}

// Validate checks the form with sign-up's rule for names and fills Errors.
func (f *ProfileForm) Validate() bool {
	f.Errors = map[string]string{}
	f.Name = strings.TrimSpace(f.Name)
	if p := nameProblem(f.Name); p != "" {
		f.Errors["name"] = p
	}
	return len(f.Errors) == 0
}

// PasswordForm is the change-of-password form.
type PasswordForm struct {
	Current string
	New     string
	Repeat  string
	Errors  map[string]string
}

// Validate checks the form (the new password by sign-up's rule) and fills
// Errors; whether Current is right is ChangePassword's to say.
func (f *PasswordForm) Validate() bool {
	f.Errors = map[string]string{}
	if f.Current == "" {
		f.Errors["current"] = "Enter your current password."
	}
	if p := passwordProblem(f.New); p != "" {
		f.Errors["new"] = p
	} else if f.Repeat != f.New {
		f.Errors["repeat"] = "The two new passwords are not the same."
	}
	return len(f.Errors) == 0
}

// Rename saves the user's display name.
func (a *Auth) Rename(ctx context.Context, userID int64, f *ProfileForm) error {
	return a.users.SetName(ctx, userID, f.Name)
}

// passwordKey counts wrong current passwords typed by one account's
// sessions. Only someone already signed in as the account can add to it, so
// it is per account: a stolen session must not become a way to guess the
// password itself.
func passwordKey(userID int64) string { return "password:user:" + strconv.FormatInt(userID, 10) }

// ChangePassword checks the current password (at most 5 wrong ones in 15
// minutes), then in one transaction stores the new hash and ends every other
// session of the account, unused hand-offs and outstanding reset and sign-in
// links: whoever knew the old password, or held a session or link made with
// it, is out. The session keep (the browser asking) stays signed in. It
// returns how many sessions ended.
func (a *Auth) ChangePassword(ctx context.Context, userID, keep int64, f *PasswordForm) (int64, error) {
	key := passwordKey(userID)
	fails, err := a.limits.Count(ctx, key, loginWindow)
	if err != nil {
		return 0, err
	}
	if fails >= loginFailPerPair {
		return 0, &ThrottledError{RetryAfter: time.Until(ratelimit.WindowEnd(time.Now(), loginWindow))}
	}
	u, err := a.users.ByID(ctx, userID)
	if err != nil {
		return 0, err
	}
	ok, err := CheckPassword(u.PasswordHash, f.Current)
	if err != nil {
		return 0, err
	}
	if !ok || len(f.Current) > maxPassword {
		if _, _, err := a.limits.Hit(ctx, key, loginWindow); err != nil {
			return 0, err
		}
		return 0, ErrWrongPassword
	}
	_ = a.limits.Reset(ctx, key, loginWindow)
	hash, err := HashPassword(f.New)
	if err != nil {
		return 0, err
	}
	var ended int64
	err = a.users.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The asking session must still be live: one ended a moment ago
		// (from another browser) changes nothing.
		var id int64
		err := tx.NewRaw(`SELECT id FROM sessions WHERE id = ? AND user_id = ? FOR UPDATE`, keep, userID).Scan(ctx, &id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.NewRaw(`UPDATE users SET password_hash = ?, updated_at = now() WHERE id = ?`, hash, userID).Exec(ctx); err != nil {
			return err
		}
		if ended, err = NewSessions(tx).EndOthers(ctx, userID, keep); err != nil {
			return err
		}
		if _, err := tx.NewRaw(`UPDATE session_handoffs SET used_at = now() WHERE user_id = ? AND used_at IS NULL`, userID).Exec(ctx); err != nil {
			return err
		}
		tokens := NewTokens(tx)
		for _, p := range []Purpose{PurposeReset, PurposeSignIn} {
			if err := tokens.Revoke(ctx, userID, p); err != nil {
				return err
			}
		}
		return nil
	})
	return ended, err
}
