package licenses_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// owner signs up a browser and makes it the owner of store.
func owner(t *testing.T, s *sold, store *tenants.Tenant) *apptest.Browser {
	t.Helper()
	b := s.e.NewBrowser()
	email := apptest.Email("keyowner")
	b.SignUp(t, email, "a long enough password", "Owner")
	if _, err := s.e.DB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, 'owner' FROM users WHERE email = ?`,
		store.ID, email).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *sold) keyState(t *testing.T) (disabled bool, reason string) {
	t.Helper()
	var r *string
	if err := s.e.DB.Primary.NewRaw(`SELECT disabled_at IS NOT NULL, disabled_reason FROM license_keys WHERE order_id = ?`, s.order).
		Scan(context.Background(), &disabled, &r); err != nil {
		t.Fatal(err)
	}
	if r != nil {
		reason = *r
	}
	return disabled, reason
}

// The creator lists, disables, enables, resets and exports their keys;
// another store's owner gets the 404 page for every one of them and changes
// nothing.
func TestTheCreatorManagesTheStoresKeysAndNoOtherStoreCan(t *testing.T) {
	s := sell(t, 2)
	s.must(t, "activate", keyBody(s.key, "instance_name", "one"), http.StatusCreated)
	mine := owner(t, s, s.store)
	otherStore := s.e.Store(t, apptest.Unique("otherkeys"))
	s.e.Product(t, otherStore, "thing", catalog.Public)
	theirs := owner(t, s, otherStore)

	var keyID int64
	if err := s.e.DB.Primary.NewRaw(`SELECT id FROM license_keys WHERE order_id = ?`, s.order).Scan(context.Background(), &keyID); err != nil {
		t.Fatal(err)
	}
	base := "/dashboard/s/" + s.store.Slug + "/licenses"
	_, page := mine.Get(t, "", base)
	if !strings.Contains(page, "…"+s.key[len(s.key)-4:]) || !strings.Contains(page, "1 of 2") || strings.Contains(page, s.key) {
		t.Fatalf("the licenses page does not list the masked key with its activations:\n%s", page)
	}
	post := func(b *apptest.Browser, slug, action string) (*http.Response, string) {
		path := "/dashboard/s/" + slug + "/licenses/" + strconv.FormatInt(keyID, 10) + "/" + action
		return moneytest.SendToken(t, b, http.MethodPost, apptest.Root, path, url.Values{}, false, b.CSRF(t, apptest.Root, "/dashboard"))
	}
	// Another store's owner: through their own store's address, and through ours.
	for _, slug := range []string{otherStore.Slug, s.store.Slug} {
		for _, action := range []string{"disable", "reset"} {
			if resp, _ := post(theirs, slug, action); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("another store's owner %s via %s: %d, want 404", action, slug, resp.StatusCode)
			}
		}
	}
	if resp, body := theirs.Get(t, "", "/dashboard/s/"+otherStore.Slug+"/licenses.csv"); resp.StatusCode != http.StatusOK || strings.Contains(body, s.key) {
		t.Fatalf("another store's CSV: %d, holds our key: %v", resp.StatusCode, strings.Contains(body, s.key))
	}
	if d, _ := s.keyState(t); d || s.live(t) != 1 {
		t.Fatal("another store's owner changed the key")
	}

	if resp, _ := post(mine, s.store.Slug, "disable"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if d, reason := s.keyState(t); !d || reason != "disabled by the store" {
		t.Fatalf("after disable: %v %q", d, reason)
	}
	s.must(t, "activate", keyBody(s.key, "instance_name", "two"), http.StatusForbidden)
	post(mine, s.store.Slug, "enable")
	if d, _ := s.keyState(t); d {
		t.Fatal("enable left the key disabled")
	}
	post(mine, s.store.Slug, "reset")
	if s.live(t) != 0 {
		t.Fatal("reset left activations")
	}

	resp, body := mine.Get(t, "", base+".csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || resp.StatusCode != http.StatusOK || len(rows) != 2 || rows[1][0] != s.key || rows[1][5] != "active" {
		t.Fatalf("CSV: %d %v %q", resp.StatusCode, err, body)
	}
}

// A key a refund disabled stays disabled: the store cannot enable it.
func TestARefundedKeyCannotBeEnabledByTheStore(t *testing.T) {
	s := sell(t, 1)
	refund := stripetestRefund(s)
	if resp, body := s.e.Deliver(t, "/webhooks/stripe", refund); resp.StatusCode != http.StatusOK {
		t.Fatalf("refund: %d %s", resp.StatusCode, body)
	}
	mine := owner(t, s, s.store)
	var keyID int64
	if err := s.e.DB.Primary.NewRaw(`SELECT id FROM license_keys WHERE order_id = ?`, s.order).Scan(context.Background(), &keyID); err != nil {
		t.Fatal(err)
	}
	path := "/dashboard/s/" + s.store.Slug + "/licenses/" + strconv.FormatInt(keyID, 10) + "/enable"
	resp, body := moneytest.SendToken(t, mine, http.MethodPost, apptest.Root, path, url.Values{}, false, mine.CSRF(t, apptest.Root, "/dashboard/s/"+s.store.Slug+"/licenses"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "stays disabled") {
		t.Fatalf("enabling a refunded key: %d", resp.StatusCode)
	}
	if d, reason := s.keyState(t); !d || reason != "refunded" {
		t.Fatalf("the refunded key is now %v %q", d, reason)
	}
}
