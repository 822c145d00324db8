package devtools_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

const password = "correct horse battery"

// newUser writes a user with a verified address straight into the database
// (sign-up is not what these tests are about) and returns its id and email.
func newUser(t *testing.T, e *moneytest.Env, name string) (int64, string) {
	t.Helper()
	hash, err := accounts.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	email := apptest.Email(name)
	var id int64
	if err := e.DB.Primary.NewRaw(`INSERT INTO users (email, name, password_hash, email_verified_at) VALUES (?, ?, ?, now()) RETURNING id`,
		email, name, hash).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id, email
}

// signIn signs email in through the real sign-in form.
func signIn(t *testing.T, e *moneytest.Env, email string) *apptest.Browser {
	t.Helper()
	b := e.NewBrowser()
	token := b.CSRF(t, "", "/login")
	resp, body := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", resp.StatusCode, body)
	}
	return b
}

// memberOf makes a new user a member of store with role and signs them in.
func memberOf(t *testing.T, e *moneytest.Env, store *tenants.Tenant, role string) *apptest.Browser {
	t.Helper()
	id, email := newUser(t, e, role)
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES (?, ?, ?)`, store.ID, id, role).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return signIn(t, e, email)
}

// stranger is a signed-in user who belongs to no store.
func stranger(t *testing.T, e *moneytest.Env) *apptest.Browser {
	t.Helper()
	_, email := newUser(t, e, "stranger")
	return signIn(t, e, email)
}
