package admin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/claro-market/claro/tenants"
	"github.com/uptrace/bun"
)

// Store reads and writes what the console needs, across every store: the
// platform role, stores, products, orders and the audit log. It is the one
// place in the app that reads across tenants on purpose, on the primary,
// outside row-level security; only the staff middleware leads to it.
type Store struct{ db bun.IDB }

// NewStore returns the console's store over the primary.
func NewStore(primary bun.IDB) *Store { return &Store{db: primary} }

// Staff is who does a staff action: a staff account, or the command line
// (UserID 0) for grants and revokes.
type Staff struct {
	UserID int64
	Email  string
}

// CommandLine is the actor of `claro admin grant|revoke` in the audit log.
var CommandLine = Staff{Email: "claro admin (command line)"}

// RoleStaff is the one platform role (users.platform_role).
const RoleStaff = "staff"

// The audit log's actions (staff_actions.action).
const (
	ActionGrant            = "grant_staff"
	ActionRevoke           = "revoke_staff"
	ActionSuspendStore     = "suspend_store"
	ActionRestoreStore     = "restore_store"
	ActionTakeDownProduct  = "take_down_product"
	ActionRestoreProduct   = "restore_product"
	ActionReconcileSession = "reconcile_session"
	ActionResendReceipt    = "resend_receipt"
)

// ErrNotFound is a store, product, order or account the console does not
// find. It wraps sql.ErrNoRows: pages answer it with the 404 page.
var ErrNotFound = fmt.Errorf("admin: not found: %w", sql.ErrNoRows)

// ErrNoAccount is an address no account holds (`claro admin grant`).
var ErrNoAccount = errors.New("admin: no account has that email address")

// StaffByID returns the staff member with that account id, or ErrNotFound
// for an account without the platform role (or none at all). It reads the
// primary on every request: a revoke ends access at once.
func (s *Store) StaffByID(ctx context.Context, userID int64) (Staff, error) {
	st := Staff{UserID: userID}
	err := s.db.NewRaw(`SELECT email FROM users WHERE id = ? AND platform_role = ?`, userID, RoleStaff).Scan(ctx, &st.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, ErrNotFound
	}
	return st, err
}

// SetRole gives (grant) or takes away the platform role of the account
// holding email, and writes the audit row, in one transaction. It reports
// whether anything changed.
func (s *Store) SetRole(ctx context.Context, by Staff, email string, grant bool) (bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var changed bool
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var id int64
		var role sql.NullString
		err := tx.NewRaw(`SELECT id, platform_role FROM users WHERE email = ? FOR UPDATE`, email).Scan(ctx, &id, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoAccount
		} else if err != nil {
			return err
		}
		if changed = role.Valid != grant; !changed {
			return nil
		}
		action, value := ActionRevoke, sql.NullString{}
		if grant {
			action, value = ActionGrant, sql.NullString{String: RoleStaff, Valid: true}
		}
		if _, err := tx.NewRaw(`UPDATE users SET platform_role = ?, updated_at = now() WHERE id = ?`, value, id).Exec(ctx); err != nil {
			return err
		}
		return audit(ctx, tx, by, Action{Action: action, Target: "user " + email})
	})
	return changed, err
}

func (s *Store) tx(ctx context.Context, fn func(context.Context, bun.Tx) error) error {
	return s.db.RunInTx(ctx, nil, fn)
}

// StoreRow is a store as the console lists it.
type StoreRow struct {
	ID             int64     `bun:"id"`
	Slug           string    `bun:"slug"`
	Name           string    `bun:"name"`
	CustomDomain   *string   `bun:"custom_domain"`
	Status         string    `bun:"status"`
	ChargesEnabled bool      `bun:"charges_enabled"`
	OwnerEmail     string    `bun:"owner_email"`
	CreatedAt      time.Time `bun:"created_at"`
}

// Suspended reports whether staff suspended the store.
func (r StoreRow) Suspended() bool { return r.Status == tenants.StatusSuspended }

// MaxResults bounds a store search.
const MaxResults = 50

// FindStores returns the stores whose address, name, custom domain or
// owner's email contains q (ignoring case), best match first: an exact
// address first, then newest.
func (s *Store) FindStores(ctx context.Context, q string) ([]StoreRow, error) {
	out := []StoreRow{}
	pattern := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
	err := s.db.NewRaw(`SELECT t.id, t.slug, t.name, t.custom_domain, t.status, t.charges_enabled, t.created_at,
			coalesce((SELECT u.email FROM tenant_members m JOIN users u ON u.id = m.user_id
				WHERE m.tenant_id = t.id AND m.role = 'owner' ORDER BY m.created_at LIMIT 1), '') AS owner_email
		FROM tenants t
		WHERE t.slug LIKE ? OR lower(t.name) LIKE ? OR t.custom_domain LIKE ?
			OR EXISTS (SELECT 1 FROM tenant_members m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = t.id AND u.email LIKE ?)
		ORDER BY t.slug = ? DESC, t.created_at DESC, t.id DESC LIMIT ?`,
		pattern, pattern, pattern, pattern, strings.ToLower(q), MaxResults).Scan(ctx, &out)
	return out, err
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// StoreBySlug returns one store, whatever its status.
func (s *Store) StoreBySlug(ctx context.Context, slug string) (*StoreRow, error) {
	r := new(StoreRow)
	err := s.db.NewRaw(`SELECT t.id, t.slug, t.name, t.custom_domain, t.status, t.charges_enabled, t.created_at,
			coalesce((SELECT u.email FROM tenant_members m JOIN users u ON u.id = m.user_id
				WHERE m.tenant_id = t.id AND m.role = 'owner' ORDER BY m.created_at LIMIT 1), '') AS owner_email
		FROM tenants t WHERE t.slug = ?`, slug).Scan(ctx, r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return r, err
}

// ProductRow is a store's product as the console lists it.
type ProductRow struct {
	ID              int64      `bun:"id"`
	TenantID        int64      `bun:"tenant_id"`
	Slug            string     `bun:"slug"`
	Title           string     `bun:"title"`
	Visibility      string     `bun:"visibility"`
	TakenDownAt     *time.Time `bun:"taken_down_at"`
	TakenDownReason *string    `bun:"taken_down_reason"`
}

// Products lists a store's live products, newest first (at most 200).
func (s *Store) Products(ctx context.Context, tenantID int64) ([]ProductRow, error) {
	out := []ProductRow{}
	err := s.db.NewRaw(`SELECT id, tenant_id, slug, title, visibility, taken_down_at, taken_down_reason FROM products
		WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 200`, tenantID).Scan(ctx, &out)
	return out, err
}

// OrderRow is one of a store's orders as the console lists it.
type OrderRow struct {
	ID        int64     `bun:"id"`
	Email     string    `bun:"email"`
	Status    string    `bun:"status"`
	Session   string    `bun:"stripe_checkout_session_id"`
	Total     int64     `bun:"amount_total_cents"`
	Currency  string    `bun:"currency"`
	CreatedAt time.Time `bun:"created_at"`
	Receipt   string    `bun:"receipt"` // sent, waiting, or none
}

// Orders lists a store's newest orders (at most 50) and their receipts.
func (s *Store) Orders(ctx context.Context, tenantID int64) ([]OrderRow, error) {
	out := []OrderRow{}
	err := s.db.NewRaw(`SELECT o.id, o.email, o.status, o.stripe_checkout_session_id, o.amount_total_cents, o.currency, o.created_at,
			CASE WHEN r.id IS NULL THEN 'none' WHEN r.sent_at IS NULL THEN 'waiting' ELSE 'sent' END AS receipt
		FROM orders o LEFT JOIN receipts_outbox r ON r.order_id = o.id
		WHERE o.tenant_id = ? ORDER BY o.created_at DESC, o.id DESC LIMIT 50`, tenantID).Scan(ctx, &out)
	return out, err
}

// OrderTenant returns the store an order belongs to.
func (s *Store) OrderTenant(ctx context.Context, orderID int64) (int64, error) {
	var id int64
	err := s.db.NewRaw(`SELECT tenant_id FROM orders WHERE id = ?`, orderID).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// TenantSlug returns a store's slug.
func (s *Store) TenantSlug(ctx context.Context, tenantID int64) (string, error) {
	var slug string
	err := s.db.NewRaw(`SELECT slug FROM tenants WHERE id = ?`, tenantID).Scan(ctx, &slug)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return slug, err
}

// SessionTenant returns the store whose checkout opened a Checkout Session
// (0 when none did).
func (s *Store) SessionTenant(ctx context.Context, session string) (int64, error) {
	var id int64
	err := s.db.NewRaw(`SELECT coalesce((SELECT tenant_id FROM checkouts WHERE stripe_checkout_session_id = ?), 0)`, session).Scan(ctx, &id)
	return id, err
}

// SetStoreStatus suspends (status suspended) or restores (active) a store
// and writes the audit row, in one transaction. A store already in that
// status changes nothing and reports false. The tenants trigger announces
// the change (caches) and enqueues its products (search) in the same
// transaction.
func (s *Store) SetStoreStatus(ctx context.Context, by Staff, tenantID int64, status, reason string) (bool, error) {
	action := ActionRestoreStore
	if status == tenants.StatusSuspended {
		action = ActionSuspendStore
	}
	var changed bool
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var slug string
		err := tx.NewRaw(`UPDATE tenants SET status = ?, updated_at = now() WHERE id = ? AND status <> ? RETURNING slug`,
			status, tenantID, status).Scan(ctx, &slug)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		changed = true
		return audit(ctx, tx, by, Action{Action: action, Target: "store " + slug, TenantID: tenantID, Reason: reason})
	})
	return changed, err
}

// SetTakenDown takes a product down (with its reason, which its creator
// sees) or restores it (reason is why), writing the audit row in the same
// transaction. A product already so changes nothing and reports false.
func (s *Store) SetTakenDown(ctx context.Context, by Staff, productID int64, down bool, reason string) (bool, error) {
	var changed bool
	err := s.tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var p ProductRow
		if err := tx.NewRaw(`SELECT id, tenant_id, slug, title, visibility, taken_down_at, taken_down_reason FROM products
			WHERE id = ? AND deleted_at IS NULL FOR UPDATE`, productID).Scan(ctx, &p); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if changed = (p.TakenDownAt != nil) != down; !changed {
			return nil
		}
		action, q := ActionRestoreProduct, `UPDATE products SET taken_down_at = NULL, taken_down_reason = NULL, updated_at = now() WHERE id = ?`
		args := []any{productID}
		if down {
			action, q = ActionTakeDownProduct, `UPDATE products SET taken_down_at = now(), taken_down_reason = ?, updated_at = now() WHERE id = ?`
			args = []any{reason, productID}
		}
		if _, err := tx.NewRaw(q, args...).Exec(ctx); err != nil {
			return err
		}
		return audit(ctx, tx, by, Action{Action: action, Target: fmt.Sprintf("product %d (%s)", p.ID, p.Slug), TenantID: p.TenantID, Reason: reason})
	})
	return changed, err
}

// ProductTenant returns the slug of the store a live product belongs to.
func (s *Store) ProductTenant(ctx context.Context, productID int64) (string, error) {
	var slug string
	err := s.db.NewRaw(`SELECT t.slug FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE p.id = ? AND p.deleted_at IS NULL`,
		productID).Scan(ctx, &slug)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return slug, err
}

// Action is one audit-log row to write.
type Action struct {
	Action   string
	Target   string
	TenantID int64 // the store concerned, 0 for none
	Reason   string
	Outcome  string
}

// Record writes one audit row on its own (actions whose effect is not a
// row of ours: a reconciler run, a receipt queued again).
func (s *Store) Record(ctx context.Context, by Staff, a Action) error {
	return audit(ctx, s.db, by, a)
}

func audit(ctx context.Context, db bun.IDB, by Staff, a Action) error {
	var user, tenant any
	if by.UserID != 0 {
		user = by.UserID
	}
	if a.TenantID != 0 {
		tenant = a.TenantID
	}
	_, err := db.NewRaw(`INSERT INTO staff_actions (staff_user_id, staff_email, action, target, tenant_id, reason, outcome)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, user, by.Email, a.Action, a.Target, tenant, a.Reason, a.Outcome).Exec(ctx)
	return err
}

// AuditRow is one row of the audit log.
type AuditRow struct {
	ID         int64     `bun:"id"`
	StaffEmail string    `bun:"staff_email"`
	Action     string    `bun:"action"`
	Target     string    `bun:"target"`
	Reason     string    `bun:"reason"`
	Outcome    string    `bun:"outcome"`
	CreatedAt  time.Time `bun:"created_at"`
}

// Audit lists the newest audit rows, at most limit; tenantID > 0 keeps one
// store's.
func (s *Store) Audit(ctx context.Context, tenantID int64, limit int) ([]AuditRow, error) {
	out := []AuditRow{}
	q := `SELECT id, staff_email, action, target, reason, outcome, created_at FROM staff_actions`
	args := []any{}
	if tenantID > 0 {
		q += ` WHERE tenant_id = ?`
		args = append(args, tenantID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	err := s.db.NewRaw(q, append(args, limit)...).Scan(ctx, &out)
	return out, err
}

// actionLabels are the audit log's actions in words.
var actionLabels = map[string]string{
	ActionGrant: "Gave the staff role", ActionRevoke: "Took the staff role away",
	ActionSuspendStore: "Suspended store", ActionRestoreStore: "Restored store",
	ActionTakeDownProduct: "Took product down", ActionRestoreProduct: "Restored product",
	ActionReconcileSession: "Re-ran the reconciler", ActionResendReceipt: "Queued a receipt again",
}

// Label is the row's action in words.
func (r AuditRow) Label() string {
	if l, ok := actionLabels[r.Action]; ok {
		return l
	}
	return r.Action
}
