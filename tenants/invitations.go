package tenants

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"
)

// Invitation limits: an invitation is good for two weeks, and a store holds
// at most 50 open ones (each may become an email).
const (
	InvitationTTL      = 14 * 24 * time.Hour
	MaxOpenInvitations = 50
)

// Refusals of invitations and member changes, each worded for the owner by
// the dashboard.
var (
	ErrAlreadyMember   = errors.New("tenants: already a member")
	ErrInvitationLimit = errors.New("tenants: too many open invitations")
	ErrRemoveSelf      = errors.New("tenants: an owner cannot remove themselves")
	ErrNotOwner        = errors.New("tenants: not an owner of the store")
)

// Invitation is an offer of a role in a store to whoever holds an address.
// Only the SHA-256 of its token is stored; the token itself goes, once, to
// whoever sends the invitation by email.
type Invitation struct {
	ID        int64     `bun:"id"`
	TenantID  int64     `bun:"tenant_id"`
	Email     string    `bun:"email"`
	Role      string    `bun:"role"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
	Expired   bool      `bun:"expired"` // by the database's clock, when read
	// Who invited, and to which store: for the invitee's dashboard.
	InviterName string `bun:"inviter_name"`
	StoreName   string `bun:"store_name"`
	StoreSlug   string `bun:"store_slug"`
}

// openInvitation is the condition of an invitation that may still be
// answered or revoked (it may have expired).
const openInvitation = `i.accepted_at IS NULL AND i.declined_at IS NULL AND i.revoked_at IS NULL`

// invitationColumns are an Invitation's columns over tenant_invitations i,
// tenants t and the inviter inv.
const invitationColumns = `i.id, i.tenant_id, i.email, i.role, i.created_at, i.expires_at, i.expires_at <= now() AS expired,
	coalesce(inv.name, '') AS inviter_name, t.name AS store_name, t.slug AS store_slug`

// HashInvitationToken is the stored form of an invitation's token.
func HashInvitationToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Invite offers role in the store to email (normalised by the caller) and
// returns the invitation with its token. Whether an account holds the
// address is never looked at, so the answer is the same either way. An open
// invitation to the same address is renewed in place (a new role, token and
// expiry; the old token dies); an address
// that already belongs to a member is ErrAlreadyMember, and a store with
// MaxOpenInvitations unexpired ones is ErrInvitationLimit. Run it in the
// store's db.InTenant transaction.
func (s *Store) Invite(ctx context.Context, tenantID, invitedBy int64, email, role string) (*Invitation, string, error) {
	h := s.pool(ctx)
	var member bool
	if err := h.NewRaw(`SELECT EXISTS (SELECT 1 FROM tenant_members m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = ? AND u.email = ?)`, tenantID, email).Scan(ctx, &member); err != nil {
		return nil, "", err
	}
	if member {
		return nil, "", ErrAlreadyMember
	}
	var open int
	if err := h.NewRaw(`SELECT count(*) FROM tenant_invitations i WHERE i.tenant_id = ? AND i.email <> ? AND `+openInvitation+` AND i.expires_at > now()`,
		tenantID, email).Scan(ctx, &open); err != nil {
		return nil, "", err
	}
	if open >= MaxOpenInvitations {
		return nil, "", ErrInvitationLimit
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	// One statement, so two owners inviting one address at once end with
	// one invitation (the later one's), not a unique violation.
	var id int64
	if err := h.NewRaw(`INSERT INTO tenant_invitations AS i (tenant_id, email, role, token_hash, invited_by, expires_at)
		VALUES (?, ?, ?, ?, ?, now() + ? * interval '1 second')
		ON CONFLICT (tenant_id, email) WHERE accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL
		DO UPDATE SET role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, invited_by = EXCLUDED.invited_by,
			created_at = now(), expires_at = EXCLUDED.expires_at
		RETURNING i.id`,
		tenantID, email, role, HashInvitationToken(token), invitedBy, int64(InvitationTTL/time.Second)).Scan(ctx, &id); err != nil {
		return nil, "", err
	}
	inv, err := s.Invitation(ctx, tenantID, id)
	return inv, token, err
}

// Invitation returns one of the store's invitations, answered or not; one
// of another store is ErrNotFound.
func (s *Store) Invitation(ctx context.Context, tenantID, id int64) (*Invitation, error) {
	inv := new(Invitation)
	err := s.pool(ctx).NewRaw(`SELECT `+invitationColumns+` FROM tenant_invitations i JOIN tenants t ON t.id = i.tenant_id
		LEFT JOIN users inv ON inv.id = i.invited_by WHERE i.tenant_id = ? AND i.id = ?`, tenantID, id).Scan(ctx, inv)
	return inv, notFound(err)
}

// Invitations lists the store's open invitations, expired ones included (so
// the owner sees them lapse), newest first.
func (s *Store) Invitations(ctx context.Context, tenantID int64) ([]Invitation, error) {
	var out []Invitation
	err := s.pool(ctx).NewRaw(`SELECT `+invitationColumns+` FROM tenant_invitations i JOIN tenants t ON t.id = i.tenant_id
		LEFT JOIN users inv ON inv.id = i.invited_by WHERE i.tenant_id = ? AND `+openInvitation+`
		ORDER BY i.created_at DESC, i.id DESC`, tenantID).Scan(ctx, &out)
	return out, err
}

// RevokeInvitation withdraws one of the store's open invitations; an
// answered one, or one of another store, is ErrNotFound.
func (s *Store) RevokeInvitation(ctx context.Context, tenantID, id int64) error {
	res, err := s.pool(ctx).NewRaw(`UPDATE tenant_invitations i SET revoked_at = now() WHERE i.tenant_id = ? AND i.id = ? AND `+openInvitation,
		tenantID, id).Exec(ctx)
	return oneRow(res, err)
}

// inviteeMatch joins an invitation to the account u it is for: the account
// holding its address, verified. An unverified account never matches.
const inviteeMatch = `u.email = i.email AND u.email_verified_at IS NOT NULL`

// InvitationsFor lists the live invitations addressed to userID's verified
// address, newest first: none while the address is unverified. These are
// read across stores, scoped by the invitee.
func (s *Store) InvitationsFor(ctx context.Context, userID int64) ([]Invitation, error) {
	var out []Invitation
	err := s.pool(ctx).NewRaw(`SELECT `+invitationColumns+` FROM tenant_invitations i
		JOIN users u ON `+inviteeMatch+` JOIN tenants t ON t.id = i.tenant_id LEFT JOIN users inv ON inv.id = i.invited_by
		WHERE u.id = ? AND `+openInvitation+` AND i.expires_at > now()
		ORDER BY i.created_at DESC, i.id DESC`, userID).Scan(ctx, &out)
	return out, err
}

// InvitationFor returns invitation id if it is live and addressed to
// userID's verified address; anything else is ErrNotFound. The answer
// (AcceptInvitation, DeclineInvitation) then runs in that store's tenant
// transaction.
func (s *Store) InvitationFor(ctx context.Context, userID, id int64) (*Invitation, error) {
	inv := new(Invitation)
	err := s.pool(ctx).NewRaw(`SELECT `+invitationColumns+` FROM tenant_invitations i
		JOIN users u ON `+inviteeMatch+` JOIN tenants t ON t.id = i.tenant_id LEFT JOIN users inv ON inv.id = i.invited_by
		WHERE u.id = ? AND i.id = ? AND `+openInvitation+` AND i.expires_at > now()`, userID, id).Scan(ctx, inv)
	return inv, notFound(err)
}

// OpenInvitationByToken returns the live invitation token was made for, for
// a link sent by email; anything else is ErrNotFound. Accepting still goes
// through InvitationFor: the link says which invitation, the signed-in
// account's verified address says whether it may answer it.
func (s *Store) OpenInvitationByToken(ctx context.Context, token string) (*Invitation, error) {
	inv := new(Invitation)
	err := s.pool(ctx).NewRaw(`SELECT `+invitationColumns+` FROM tenant_invitations i JOIN tenants t ON t.id = i.tenant_id
		LEFT JOIN users inv ON inv.id = i.invited_by
		WHERE i.token_hash = ? AND `+openInvitation+` AND i.expires_at > now()`, HashInvitationToken(token)).Scan(ctx, inv)
	return inv, notFound(err)
}

// AcceptInvitation answers yes for userID and makes them a member with the
// invitation's role, in the store's db.InTenant transaction. Every condition
// is checked again in the one UPDATE (live, addressed to userID's verified
// address, of this store), so a revocation or expiry that came first wins.
// Someone already a member keeps the role they have.
func (s *Store) AcceptInvitation(ctx context.Context, tenantID, id, userID int64) error {
	h := s.pool(ctx)
	var role string
	err := h.NewRaw(`UPDATE tenant_invitations i SET accepted_at = now(), accepted_by = u.id FROM users u
		WHERE i.tenant_id = ? AND i.id = ? AND u.id = ? AND `+inviteeMatch+` AND `+openInvitation+` AND i.expires_at > now()
		RETURNING i.role`, tenantID, id, userID).Scan(ctx, &role)
	if err != nil {
		return notFound(err)
	}
	_, err = h.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES (?, ?, ?)
		ON CONFLICT (tenant_id, user_id) DO NOTHING`, tenantID, userID, role).Exec(ctx)
	return err
}

// DeclineInvitation answers no for userID, under the same conditions as
// AcceptInvitation; nothing else changes.
func (s *Store) DeclineInvitation(ctx context.Context, tenantID, id, userID int64) error {
	res, err := s.pool(ctx).NewRaw(`UPDATE tenant_invitations i SET declined_at = now() FROM users u
		WHERE i.tenant_id = ? AND i.id = ? AND u.id = ? AND `+inviteeMatch+` AND `+openInvitation+` AND i.expires_at > now()`,
		tenantID, id, userID).Exec(ctx)
	return oneRow(res, err)
}

// RemoveMember takes userID's access to the store away, on the say of owner
// ownerID, in the store's db.InTenant transaction. The store's member rows
// are locked first, so two owners removing each other at once cannot leave
// the store without one: the second finds it is no longer an owner
// (ErrNotOwner). An owner cannot remove themselves (ErrRemoveSelf), so the
// one acting always remains; a user who is not a member is ErrNotFound.
func (s *Store) RemoveMember(ctx context.Context, tenantID, ownerID, userID int64) error {
	h := s.pool(ctx)
	if userID == ownerID {
		return ErrRemoveSelf
	}
	var roles []struct {
		UserID int64  `bun:"user_id"`
		Role   string `bun:"role"`
	}
	if err := h.NewRaw(`SELECT user_id, role FROM tenant_members WHERE tenant_id = ? ORDER BY user_id FOR UPDATE`, tenantID).Scan(ctx, &roles); err != nil {
		return err
	}
	owner := false
	for _, r := range roles {
		owner = owner || (r.UserID == ownerID && r.Role == RoleOwner)
	}
	if !owner {
		return ErrNotOwner
	}
	res, err := h.NewRaw(`DELETE FROM tenant_members WHERE tenant_id = ? AND user_id = ?`, tenantID, userID).Exec(ctx)
	return oneRow(res, err)
}

// oneRow is ErrNotFound for a statement that touched no row.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
