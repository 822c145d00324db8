package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

// invite sends an invitation from store t's owner (f.owner for store A,
// f.other for B) through the real form and returns its id.
func (f *fixture) invite(t *testing.T, store *tenants.Tenant, email, role string) int64 {
	t.Helper()
	owner := f.owner
	if f.b != nil && store.ID == f.b.ID {
		owner = f.other
	}
	resp, body := postInvite(t, owner, store, email, role)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite %s: %d\n%s", email, resp.StatusCode, body)
	}
	var id int64
	if _, err := fmt.Sscanf(resp.Header.Get("Location"), "/dashboard/s/"+store.Slug+"/members?invited=%d", &id); err != nil {
		t.Fatalf("invite %s: Location %q", email, resp.Header.Get("Location"))
	}
	return id
}

func postInvite(t *testing.T, b *apptest.Browser, store *tenants.Tenant, email, role string) (*http.Response, string) {
	t.Helper()
	base := "/dashboard/s/" + store.Slug
	form := url.Values{"_csrf": {b.CSRF(t, "", base+"/members")}, "email": {email}, "role": {role}}
	return b.PostForm(t, "", base+"/members", form)
}

// postTo posts an empty form (with b's CSRF token) to path.
func postTo(t *testing.T, b *apptest.Browser, path string) (*http.Response, string) {
	t.Helper()
	return b.PostForm(t, "", path, url.Values{"_csrf": {b.CSRF(t, "", "/dashboard")}})
}

// person signs a new account up; verified marks its address as proven, as
// the verification link will.
func (f *fixture) person(t *testing.T, name string, verified bool) (*apptest.Browser, string, int64) {
	t.Helper()
	b, email := f.e.NewBrowser(), apptest.Email(name)
	b.SignUp(t, email, pw, name)
	var id int64
	if err := testDB.Primary.NewRaw(`UPDATE users SET email_verified_at = CASE WHEN ? THEN now() END WHERE email = ? RETURNING id`,
		verified, email).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return b, email, id
}

func role(t *testing.T, tenantID, userID int64) string {
	t.Helper()
	var r []string
	if err := testDB.Primary.NewRaw(`SELECT role FROM tenant_members WHERE tenant_id = ? AND user_id = ?`, tenantID, userID).Scan(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r) == 0 {
		return ""
	}
	return r[0]
}

// state is where an invitation stands in the table.
func state(t *testing.T, id int64) string {
	t.Helper()
	var s string
	if err := testDB.Primary.NewRaw(`SELECT CASE WHEN accepted_at IS NOT NULL THEN 'accepted' WHEN declined_at IS NOT NULL THEN 'declined'
		WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN 'expired' ELSE 'open' END
		FROM tenant_invitations WHERE id = ?`, id).Scan(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func acceptPath(id int64) string  { return fmt.Sprintf("/dashboard/invitations/%d/accept", id) }
func declinePath(id int64) string { return fmt.Sprintf("/dashboard/invitations/%d/decline", id) }

// The leak this closes: the old form answered "No Claro account uses that
// email" for unknown addresses, so any store owner could test whether an
// address has an account. Now the answer, the page after it and the row
// written are the same whether or not it does.
func TestAnInvitationIsAnsweredAlikeWhetherOrNotTheAddressHasAnAccount(t *testing.T) {
	f := newFixture(t)
	_, existing, _ := f.person(t, "has-account", true)
	unknown := apptest.Email("no-account")
	answers := map[string]string{}
	for _, email := range []string{existing, unknown} {
		resp, body := postInvite(t, f.owner, f.a, email, "admin")
		id := regexp.MustCompile(`invited=(\d+)$`).FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || id == nil {
			t.Fatalf("%s: %d %q\n%s", email, resp.StatusCode, resp.Header.Get("Location"), body)
		}
		_, page := f.owner.Get(t, "", resp.Header.Get("Location"))
		flash := regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`).FindStringSubmatch(page)
		if flash == nil || !strings.Contains(flash[1], "Invitation sent to "+email+".") {
			t.Fatalf("%s: no “Invitation sent” message", email)
		}
		if !strings.Contains(page, `data-invitation-id="`+id[1]+`"`) {
			t.Fatalf("%s: not listed as pending", email)
		}
		var row string
		if err := testDB.Primary.NewRaw(`SELECT concat_ws(',', role, invited_by, expires_at - created_at, accepted_at, declined_at, revoked_at)
			FROM tenant_invitations WHERE id = ?`, id[1]).Scan(context.Background(), &row); err != nil {
			t.Fatal(err)
		}
		answers[email] = fmt.Sprint(resp.StatusCode, " ", strings.Replace(flash[1], email, "X", 1), " ", row)
	}
	if answers[existing] != answers[unknown] {
		t.Fatalf("the answers differ:\n  existing account: %s\n  no account:       %s", answers[existing], answers[unknown])
	}
	// Both addresses are emailed alike, naming the store and the dashboard.
	for _, email := range []string{existing, unknown} {
		text := invitationMail(t, f.e, email)
		if !strings.Contains(text, f.a.Name) || !strings.Contains(text, "/dashboard") || !strings.Contains(text, "as an admin") {
			t.Fatalf("%s: invitation mail:\n%s", email, text)
		}
	}
	if n, _ := testDB.Primary.NewSelect().Table("tenant_members").Where("tenant_id = ?", f.a.ID).Count(context.Background()); n != 2 {
		t.Fatalf("store A has %d members after two invitations, want its owner and admin only", n)
	}
}

// invitationMail waits (at most 10 s: it is sent after the owner's answer)
// for the invitation mail to email and returns its text.
func invitationMail(t *testing.T, e *apptest.Env, email string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range e.Mail(t, email) {
			if strings.HasPrefix(m.Subject, "You are invited to help run") {
				return m.Text
			}
		}
	}
	t.Fatalf("no invitation mail to %s", email)
	return ""
}

func TestAVerifiedInviteeAcceptsAndBecomesAMember(t *testing.T) {
	f := newFixture(t)
	for _, r := range []string{"admin", "owner"} {
		invitee, email, uid := f.person(t, "invitee-"+r, true)
		base := "/dashboard/s/" + f.a.Slug
		id := f.invite(t, f.a, strings.ToUpper(email), r) // addresses are compared normalised
		if role(t, f.a.ID, uid) != "" {
			t.Fatal("an invitation made a member before it was accepted")
		}
		if resp, _ := invitee.Get(t, "", base); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("%s before accepting: %d, want 404", r, resp.StatusCode)
		}
		_, page := invitee.Get(t, "", "/dashboard")
		if !strings.Contains(page, `data-invitation-id="`+fmt.Sprint(id)+`"`) || !strings.Contains(page, f.a.Name) ||
			!strings.Contains(page, `action="`+acceptPath(id)+`"`) || !strings.Contains(page, `action="`+declinePath(id)+`"`) {
			t.Fatalf("%s: the invitee's dashboard does not offer the invitation", r)
		}
		resp, _ := postTo(t, invitee, acceptPath(id))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != base+"?joined=1" {
			t.Fatalf("%s accept: %d %q", r, resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, page := invitee.Get(t, "", base+"?joined=1"); !strings.Contains(page, "Welcome to "+f.a.Name+". You joined it as its "+r+".") {
			t.Fatalf("%s: no welcome after accepting", r)
		}
		if got := role(t, f.a.ID, uid); got != r || state(t, id) != "accepted" {
			t.Fatalf("after accepting: role %q, invitation %s", got, state(t, id))
		}
		_, members := f.owner.Get(t, "", base+"/members")
		if !strings.Contains(members, `data-user-id="`+fmt.Sprint(uid)+`"`) || strings.Contains(members, `data-invitation-id="`+fmt.Sprint(id)+`"`) {
			t.Fatalf("%s: the members page does not list them as a member, or still lists the invitation", r)
		}
		if _, page := invitee.Get(t, "", "/dashboard"); strings.Contains(page, `data-invitation-id="`+fmt.Sprint(id)+`"`) {
			t.Fatalf("%s: an accepted invitation is still offered", r)
		}
		// An accepted invitation is spent.
		if resp, _ := postTo(t, invitee, acceptPath(id)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: accepting twice: %d, want 404", r, resp.StatusCode)
		}
	}
}

// The hole this closes: an account can be opened with anybody's address,
// so an unverified one must not collect an invitation sent to it, neither
// from the dashboard nor by posting the invitation's id.
func TestAnUnverifiedAccountWithTheAddressSeesNothingAndCannotAccept(t *testing.T) {
	f := newFixture(t)
	squatter, email, uid := f.person(t, "squatter", false)
	id := f.invite(t, f.a, email, "owner")
	_, page := squatter.Get(t, "", "/dashboard")
	if strings.Contains(page, "data-invitation-id") || strings.Contains(page, f.a.Name) {
		t.Fatal("an unverified account is shown the invitation to its address")
	}
	if !strings.Contains(page, "once your email address is verified") {
		t.Fatal("the unverified account is not told why invitations do not reach it")
	}
	notFound := string(f.e.App.Errors.NotFoundBody())
	before := snapshot(t)
	for _, path := range []string{acceptPath(id), declinePath(id)} {
		if resp, body := postTo(t, squatter, path); resp.StatusCode != http.StatusNotFound || body != notFound {
			t.Errorf("unverified POST %s: %d, want the 404 page", path, resp.StatusCode)
		}
	}
	if snapshot(t) != before || role(t, f.a.ID, uid) != "" || state(t, id) != "open" {
		t.Fatal("an unverified account answered the invitation")
	}
	// Once the address is proven, the invitation is theirs.
	if _, err := testDB.Primary.NewRaw(`UPDATE users SET email_verified_at = now() WHERE id = ?`, uid).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if resp, _ := postTo(t, squatter, acceptPath(id)); resp.StatusCode != http.StatusSeeOther || role(t, f.a.ID, uid) != "owner" {
		t.Fatalf("verified accept: %d", resp.StatusCode)
	}
}

// The IDOR matrix for invitations: nobody but the invitee answers one,
// nobody but its store's owner revokes it, and each refusal is the 404
// page (or, for the store's own admin, the owner-only 403) that changes
// nothing.
func TestOnlyTheInviteeAnswersAndOnlyTheStoresOwnerRevokes(t *testing.T) {
	f := newFixture(t)
	_, email, _ := f.person(t, "the-invitee", true)
	id := f.invite(t, f.a, email, "admin")
	// Owner B's address is verified too: a verified account is not enough.
	if _, err := testDB.Primary.NewRaw(`UPDATE users SET email_verified_at = now() WHERE id IN
		(SELECT user_id FROM tenant_members WHERE tenant_id IN (?, ?) AND role = 'owner')`, f.a.ID, f.b.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin := f.e.NewBrowser()
	var adminEmail string
	if err := testDB.Primary.NewRaw(`SELECT email FROM users WHERE id = ?`, f.adminID).Scan(context.Background(), &adminEmail); err != nil {
		t.Fatal(err)
	}
	signIn(t, admin, adminEmail)
	stranger, _, _ := f.person(t, "stranger", true)
	notFound := string(f.e.App.Errors.NotFoundBody())
	type attempt struct {
		who    string
		b      *apptest.Browser
		path   string
		status int
	}
	var attempts []attempt
	for _, w := range []struct {
		who string
		b   *apptest.Browser
	}{{"store A's owner", f.owner}, {"store A's admin", admin}, {"store B's owner", f.other}, {"a buyer", f.by}, {"a verified stranger", stranger}} {
		attempts = append(attempts, attempt{w.who, w.b, acceptPath(id), http.StatusNotFound}, attempt{w.who, w.b, declinePath(id), http.StatusNotFound})
	}
	attempts = append(attempts,
		attempt{"store B's owner", f.other, fmt.Sprintf("/dashboard/s/%s/invitations/%d/revoke", f.b.Slug, id), http.StatusNotFound},
		attempt{"store B's owner", f.other, fmt.Sprintf("/dashboard/s/%s/invitations/%d/revoke", f.a.Slug, id), http.StatusNotFound},
		attempt{"a verified stranger", stranger, fmt.Sprintf("/dashboard/s/%s/invitations/%d/revoke", f.a.Slug, id), http.StatusNotFound},
		attempt{"store A's admin", admin, fmt.Sprintf("/dashboard/s/%s/invitations/%d/revoke", f.a.Slug, id), http.StatusForbidden},
		attempt{"store B's owner", f.other, fmt.Sprintf("/dashboard/s/%s/members/%d/remove", f.b.Slug, f.adminID), http.StatusNotFound},
		attempt{"store A's admin", admin, fmt.Sprintf("/dashboard/s/%s/members/%d/remove", f.a.Slug, f.adminID), http.StatusForbidden},
	)
	for _, a := range attempts {
		before := snapshot(t)
		resp, body := postTo(t, a.b, a.path)
		if resp.StatusCode != a.status || (a.status == http.StatusNotFound && body != notFound) {
			t.Errorf("%s: POST %s → %d, want %d", a.who, a.path, resp.StatusCode, a.status)
		}
		if snapshot(t) != before {
			t.Errorf("%s: POST %s changed rows", a.who, a.path)
		}
	}
	if state(t, id) != "open" {
		t.Fatalf("the invitation is %s", state(t, id))
	}
}

func TestDeclinedExpiredAndRevokedInvitationsCannotBeAccepted(t *testing.T) {
	f := newFixture(t)
	base := "/dashboard/s/" + f.a.Slug
	decliner, dEmail, dID := f.person(t, "decliner", true)
	late, lEmail, lID := f.person(t, "late", true)
	dropped, rEmail, rID := f.person(t, "dropped", true)
	declined, expired, revoked := f.invite(t, f.a, dEmail, "admin"), f.invite(t, f.a, lEmail, "admin"), f.invite(t, f.a, rEmail, "admin")

	resp, _ := postTo(t, decliner, declinePath(declined))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard?declined=1" {
		t.Fatalf("decline: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := decliner.Get(t, "", "/dashboard?declined=1"); !strings.Contains(page, "Invitation declined.") || strings.Contains(page, "data-invitation-id") {
		t.Fatal("no confirmation of the decline, or the invitation is still offered")
	}

	if _, err := testDB.Primary.NewRaw(`UPDATE tenant_invitations SET expires_at = now() - interval '1 second' WHERE id = ?`, expired).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, page := late.Get(t, "", "/dashboard"); strings.Contains(page, "data-invitation-id") {
		t.Fatal("an expired invitation is offered")
	}
	if _, page := f.owner.Get(t, "", base+"/members"); !regexp.MustCompile(`(?s)data-invitation-id="` + fmt.Sprint(expired) + `">.*?Expired`).MatchString(page) {
		t.Fatal("the owner's page does not show the invitation as expired")
	}

	resp, _ = postTo(t, f.owner, fmt.Sprintf("%s/invitations/%d/revoke", base, revoked))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != base+"/members?revoked=1" {
		t.Fatalf("revoke: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := f.owner.Get(t, "", base+"/members?revoked=1"); !strings.Contains(page, "Invitation revoked.") ||
		strings.Contains(page, `data-invitation-id="`+fmt.Sprint(revoked)+`"`) {
		t.Fatal("no confirmation of the revocation, or it is still listed")
	}
	if resp, _ := postTo(t, f.owner, fmt.Sprintf("%s/invitations/%d/revoke", base, revoked)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("revoking twice: %d, want 404", resp.StatusCode)
	}

	for _, c := range []struct {
		name string
		b    *apptest.Browser
		id   int64
		uid  int64
		want string
	}{{"declined", decliner, declined, dID, "declined"}, {"expired", late, expired, lID, "expired"}, {"revoked", dropped, revoked, rID, "revoked"}} {
		before := snapshot(t)
		for _, path := range []string{acceptPath(c.id), declinePath(c.id)} {
			if resp, _ := postTo(t, c.b, path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: POST %s → %d, want 404", c.name, path, resp.StatusCode)
			}
		}
		if snapshot(t) != before || role(t, f.a.ID, c.uid) != "" || state(t, c.id) != c.want {
			t.Errorf("%s: answering it changed something (now %s)", c.name, state(t, c.id))
		}
	}
	// The owner may invite a decliner again; that invitation is new.
	again := f.invite(t, f.a, dEmail, "admin")
	if again == declined {
		t.Fatal("a new invitation reused the declined one")
	}
	if resp, _ := postTo(t, decliner, acceptPath(again)); resp.StatusCode != http.StatusSeeOther || role(t, f.a.ID, dID) != "admin" {
		t.Fatalf("accepting a fresh invitation after declining: %d", resp.StatusCode)
	}
}

func TestTheOwnerRemovesMembersButNotThemselves(t *testing.T) {
	f := newFixture(t)
	base := "/dashboard/s/" + f.a.Slug
	member, email, uid := f.person(t, "leaver", true)
	postTo(t, member, acceptPath(f.invite(t, f.a, email, "admin")))
	if resp, _ := member.Get(t, "", base); resp.StatusCode != http.StatusOK {
		t.Fatalf("the member cannot reach the store: %d", resp.StatusCode)
	}
	resp, _ := postTo(t, f.owner, fmt.Sprintf("%s/members/%d/remove", base, uid))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != base+"/members?removed=1" {
		t.Fatalf("remove: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := f.owner.Get(t, "", base+"/members?removed=1"); !strings.Contains(page, "Member removed.") || strings.Contains(page, `data-user-id="`+fmt.Sprint(uid)+`"`) {
		t.Fatal("no confirmation, or the removed member is still listed")
	}
	if resp, _ := member.Get(t, "", base); resp.StatusCode != http.StatusNotFound || role(t, f.a.ID, uid) != "" {
		t.Fatalf("a removed member still reaches the store: %d", resp.StatusCode)
	}
	if resp, _ := postTo(t, f.owner, fmt.Sprintf("%s/members/%d/remove", base, uid)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("removing a non-member: %d, want 404", resp.StatusCode)
	}
	var ownerID int64
	if err := testDB.Primary.NewRaw(`SELECT user_id FROM tenant_members WHERE tenant_id = ? AND role = 'owner'`, f.a.ID).Scan(context.Background(), &ownerID); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t)
	resp, body := postTo(t, f.owner, fmt.Sprintf("%s/members/%d/remove", base, ownerID))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "You cannot remove yourself from the store.") {
		t.Fatalf("removing yourself: %d, want 422 with a message", resp.StatusCode)
	}
	if snapshot(t) != before {
		t.Fatal("an owner removed themselves")
	}
}

func TestTheInvitationFormRefusesBadInputAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	base := "/dashboard/s/" + f.a.Slug
	var adminEmail string
	if err := testDB.Primary.NewRaw(`SELECT email FROM users WHERE id = ?`, f.adminID).Scan(context.Background(), &adminEmail); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t)
	for name, c := range map[string]struct{ email, role, msg string }{
		"not an address":   {"not-an-address", "admin", "Enter an email address like name@example.com."},
		"a display name":   {"Ada <ada@example.com>", "admin", "Enter an email address like name@example.com."},
		"html":             {"<script>@example.com", "admin", "Enter an email address like name@example.com."},
		"unknown role":     {apptest.Email("role"), "superuser", "Choose admin or owner."},
		"no role":          {apptest.Email("norole"), "", "Choose admin or owner."},
		"already a member": {adminEmail, "admin", "That address already belongs to a member of this store."},
	} {
		resp, body := postInvite(t, f.owner, f.a, c.email, c.role)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d, want 422 with %q", name, resp.StatusCode, c.msg)
		}
		if strings.Contains(body, "<script>@") {
			t.Errorf("%s: the input was echoed unescaped", name)
		}
	}
	for _, tok := range []string{"", "forged"} {
		form := url.Values{"_csrf": {tok}, "email": {apptest.Email("csrf")}, "role": {"owner"}}
		if resp, _ := f.owner.PostForm(t, "", base+"/members", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("csrf %q: %d, want 403", tok, resp.StatusCode)
		}
		if resp, _ := f.owner.PostForm(t, "", fmt.Sprintf("%s/invitations/%d/revoke", base, f.invitationID), url.Values{"_csrf": {tok}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("revoke with csrf %q: %d, want 403", tok, resp.StatusCode)
		}
	}
	if snapshot(t) != before {
		t.Fatal("a refused invitation changed rows")
	}
	// An admin sees the members page but may not invite.
	admin := f.e.NewBrowser()
	signIn(t, admin, adminEmail)
	if _, page := admin.Get(t, "", base+"/members"); strings.Contains(page, `action="`+base+`/members"`) {
		t.Fatal("an admin is offered the invitation form")
	}
	if resp, _ := postInvite(t, admin, f.a, apptest.Email("by-admin"), "owner"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an admin invited: %d, want 403", resp.StatusCode)
	}
	if snapshot(t) != before {
		t.Fatal("an admin's invitation changed rows")
	}
}

func TestAStoreHoldsAtMostFiftyOpenInvitations(t *testing.T) {
	f := newFixture(t)
	if _, err := testDB.Primary.NewRaw(`INSERT INTO tenant_invitations (tenant_id, email, role, token_hash, expires_at)
		SELECT ?, 'bulk' || g || '-' || ? || '@example.com', 'admin', gen_random_uuid()::text::bytea, now() + interval '1 day'
		FROM generate_series(1, ?) g`, f.a.ID, f.a.Slug, tenants.MaxOpenInvitations-1).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t)
	resp, body := postInvite(t, f.owner, f.a, apptest.Email("one-too-many"), "admin")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "This store has 50 pending invitations.") {
		t.Fatalf("the 51st invitation: %d, want 422 with a message", resp.StatusCode)
	}
	if snapshot(t) != before {
		t.Fatal("a refused invitation changed rows")
	}
	// Renewing one already open adds none, so it is still allowed.
	if resp, _ := postInvite(t, f.owner, f.a, "bulk1-"+f.a.Slug+"@example.com", "owner"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("renewing an open invitation at the limit: %d", resp.StatusCode)
	}
}

// sent records what the invitation hook heard.
type sent struct {
	mu     sync.Mutex
	tokens map[int64]string
}

func (s *sent) hook(_ context.Context, inv tenants.Invitation, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[inv.ID] = token
}

func (s *sent) token(id int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[id]
}

func TestTheInvitationHookGetsTheTokenThatFindsTheInvitation(t *testing.T) {
	rec := &sent{tokens: map[int64]string{}}
	e := apptest.NewWith(t, testDB, io.Discard, app.Overrides{Invitations: rec.hook})
	owner := e.NewBrowser()
	owner.SignUp(t, apptest.Email("hook-owner"), pw, "Hook Owner")
	f := &fixture{e: e, owner: owner}
	store := f.createStore(t, owner, apptest.Unique("hook-store"))
	f.a = store
	email := apptest.Email("hooked")
	id := f.invite(t, store, email, "admin")
	first := rec.token(id)
	if len(first) != 43 {
		t.Fatalf("the hook got token %q", first)
	}
	var stored int
	if err := testDB.Primary.NewRaw(`SELECT count(*) FROM tenant_invitations WHERE id = ? AND token_hash = ?`, id, tenants.HashInvitationToken(first)).Scan(context.Background(), &stored); err != nil || stored != 1 {
		t.Fatalf("only the token's hash is stored: %d, %v", stored, err)
	}
	if n, _ := testDB.Primary.NewSelect().Table("tenant_invitations").Where("token_hash = ?", []byte(first)).Count(context.Background()); n != 0 {
		t.Fatal("the token is stored in clear")
	}
	ts := tenants.NewStore(testDB.Primary)
	inv, err := ts.OpenInvitationByToken(context.Background(), first)
	if err != nil || inv.ID != id || inv.Email != email || inv.StoreSlug != store.Slug || inv.InviterName != "Hook Owner" {
		t.Fatalf("by token: %+v, %v", inv, err)
	}
	// Inviting the address again renews the invitation: the old link dies.
	if again := f.invite(t, store, email, "owner"); again != id {
		t.Fatalf("renewal made invitation %d, want %d renewed", again, id)
	}
	second := rec.token(id)
	if second == first {
		t.Fatal("a renewed invitation kept its token")
	}
	if _, err := ts.OpenInvitationByToken(context.Background(), first); err == nil {
		t.Fatal("the replaced token still finds the invitation")
	}
	if inv, err := ts.OpenInvitationByToken(context.Background(), second); err != nil || inv.Role != "owner" {
		t.Fatalf("the new token: %+v, %v", inv, err)
	}
	if _, err := ts.OpenInvitationByToken(context.Background(), "not a token"); err == nil {
		t.Fatal("a made-up token finds an invitation")
	}
}

// signIn signs b in as email through the real form.
func signIn(t *testing.T, b *apptest.Browser, email string) {
	t.Helper()
	token := b.CSRF(t, "", "/login")
	if resp, body := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {pw}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d\n%s", email, resp.StatusCode, body)
	}
}
