package licenses

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Status is what the API answers about a key.
type Status struct {
	Valid           bool        `json:"valid"`
	Status          string      `json:"status"` // active or disabled
	DisabledReason  string      `json:"disabled_reason,omitempty"`
	Product         Product     `json:"product"`
	ActivationLimit int         `json:"activation_limit"` // 0: no limit
	Activations     int         `json:"activations"`      // live ones
	Instance        *Activation `json:"instance,omitempty"`
}

// Product names the product a key is for.
type Product struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Store string `json:"store"`
}

// Activation is one instance a key is activated on.
type Activation struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	ActivatedAt time.Time `json:"activated_at"`
}

// The API's refusals, each with its stable code (handlers.go).
var (
	ErrUnknownKey      = errors.New("licenses: no such key")
	ErrUnknownInstance = errors.New("licenses: no such live activation of this key")
	ErrDisabled        = errors.New("licenses: key disabled")
	ErrLimit           = errors.New("licenses: activation limit reached")
)

// keyRow is a key with its product, read for the API.
type keyRow struct {
	id       int64
	tenant   int64
	disabled sql.NullTime
	reason   sql.NullString
	status   Status
}

// lookup reads a key (locked when lock) and its live activation count.
func lookup(ctx context.Context, q bun.IDB, key string, lock bool) (keyRow, error) {
	var r keyRow
	s := &r.status
	query := `SELECT k.id, k.tenant_id, k.disabled_at, k.disabled_reason, p.id, p.title, t.slug, p.activation_limit
		FROM license_keys k JOIN products p ON p.id = k.product_id JOIN tenants t ON t.id = k.tenant_id
		WHERE k.key_hash = ?`
	if lock {
		query += ` FOR UPDATE OF k`
	}
	err := q.NewRaw(query, hash(key)).Scan(ctx, &r.id, &r.tenant, &r.disabled, &r.reason, &s.Product.ID, &s.Product.Title,
		&s.Product.Store, &s.ActivationLimit)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrUnknownKey
	}
	if err != nil {
		return r, err
	}
	// A statement of its own, not a subquery of the one above: under READ
	// COMMITTED a statement that waited for the key's lock still reads with
	// the snapshot it started with, so a count inside it would miss the
	// activation the lock's previous holder just committed.
	if err := q.NewRaw(`SELECT count(*) FROM license_activations WHERE key_id = ? AND deactivated_at IS NULL`, r.id).
		Scan(ctx, &s.Activations); err != nil {
		return r, err
	}
	s.Valid, s.Status = !r.disabled.Valid, "active"
	if r.disabled.Valid {
		s.Status, s.DisabledReason = "disabled", r.reason.String
	}
	return r, nil
}

// Activate activates key on a new instance named name. The key's row is
// locked while its live activations are counted and the new one written,
// so concurrent activations never pass the limit.
func (k *Keys) Activate(ctx context.Context, key, name string) (Status, error) {
	var st Status
	err := k.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lookup(ctx, tx, key, true)
		st = r.status
		switch {
		case err != nil:
			return err
		case r.disabled.Valid:
			return ErrDisabled
		case st.ActivationLimit > 0 && st.Activations >= st.ActivationLimit:
			return ErrLimit
		}
		a := Activation{ID: instanceID(), Name: name}
		if err := tx.NewRaw(`INSERT INTO license_activations (key_id, tenant_id, instance_id, instance_name)
			VALUES (?, ?, ?, ?) RETURNING created_at`, r.id, r.tenant, a.ID, name).Scan(ctx, &a.ActivatedAt); err != nil {
			return err
		}
		st.Activations++
		st.Instance = &a
		return nil
	})
	return st, err
}

// Validate reads key's state and, when instance is not empty, that instance
// (ErrUnknownInstance when it is not a live activation of this key).
func (k *Keys) Validate(ctx context.Context, key, instance string) (Status, error) {
	r, err := lookup(ctx, k.db, key, false)
	if err != nil || instance == "" {
		return r.status, err
	}
	var a Activation
	err = k.db.NewRaw(`SELECT instance_id, instance_name, created_at FROM license_activations
		WHERE key_id = ? AND instance_id = ? AND deactivated_at IS NULL`, r.id, instance).Scan(ctx, &a.ID, &a.Name, &a.ActivatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r.status, ErrUnknownInstance
	}
	r.status.Instance = &a
	return r.status, err
}

// Deactivate frees key's activation instance (a disabled key may still
// free its activations).
func (k *Keys) Deactivate(ctx context.Context, key, instance string) (Status, error) {
	var st Status
	err := k.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lookup(ctx, tx, key, true)
		st = r.status
		if err != nil {
			return err
		}
		res, err := tx.NewRaw(`UPDATE license_activations SET deactivated_at = now()
			WHERE key_id = ? AND instance_id = ? AND deactivated_at IS NULL`, r.id, instance).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrUnknownInstance
		}
		st.Activations--
		return nil
	})
	return st, err
}

// instanceID is a new activation's id: 80 random bits.
func instanceID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "inst_" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}
