package payouts_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
	"github.com/uptrace/bun/dialect/pgdialect"
)

type account struct {
	Charges, Payouts bool
	Due              []string
	Reason           string
}

func readAccount(t *testing.T, e *moneytest.Env, tenantID int64) (tenantCharges bool, a account) {
	t.Helper()
	ctx := context.Background()
	if err := e.DB.Primary.NewRaw(`SELECT charges_enabled FROM tenants WHERE id = ?`, tenantID).Scan(ctx, &tenantCharges); err != nil {
		t.Fatal(err)
	}
	err := e.DB.Primary.NewRaw(`SELECT charges_enabled, payouts_enabled, currently_due, disabled_reason FROM stripe_accounts WHERE tenant_id = ?`,
		tenantID).Scan(ctx, &a.Charges, &a.Payouts, pgdialect.Array(&a.Due), &a.Reason)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return tenantCharges, a
}

func accountEvent(id string, store *tenants.Tenant, charges bool, due []string, reason string, created time.Time, opts ...stripetest.EventOption) []byte {
	opts = append([]stripetest.EventOption{stripetest.OnAccount(*store.StripeAccountID), stripetest.Created(created)}, opts...)
	return stripetest.Event(id, "account.updated", stripetest.Account(*store.StripeAccountID, charges, charges, due, reason), opts...)
}

func TestAccountUpdatedTurnsChargesOffAndTheBuyButtonGoes(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("connected"))
	p := e.Product(t, s, "thing", catalog.Public)
	host := apptest.StoreHost(s.Slug)
	if _, body := e.Get(t, host, "/products/"+p.Slug); !strings.Contains(body, "Add to cart") {
		t.Fatal("no buy button to begin with")
	}
	now := time.Now()
	resp, body := e.Deliver(t, "/webhooks/stripe/connect",
		accountEvent("evt_"+apptest.Unique("au"), s, false, []string{"individual.verification.document"}, "requirements.past_due", now))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	charges, a := readAccount(t, e, s.ID)
	if charges || a.Charges || a.Reason != "requirements.past_due" || len(a.Due) != 1 {
		t.Fatalf("tenant charges %v, account %+v", charges, a)
	}
	if _, body := e.Get(t, host, "/products/"+p.Slug); strings.Contains(body, "Add to cart") || !strings.Contains(body, "not taking payments") {
		t.Fatal("the resolver still serves the old store: buy button shown")
	}
	// An older event arriving late is not applied.
	e.Deliver(t, "/webhooks/stripe/connect", accountEvent("evt_"+apptest.Unique("old"), s, true, nil, "", now.Add(-time.Hour)))
	if charges, _ := readAccount(t, e, s.ID); charges {
		t.Fatal("an older account.updated turned charges back on")
	}
	// A newer one is.
	e.Deliver(t, "/webhooks/stripe/connect", accountEvent("evt_"+apptest.Unique("new"), s, true, nil, "", now.Add(time.Minute)))
	if charges, a := readAccount(t, e, s.ID); !charges || !a.Payouts || len(a.Due) != 0 {
		t.Fatalf("newer event not applied: %v %+v", charges, a)
	}
}

// The event's account decides whose state changes: an account.updated from
// one store's account whose object names another store's account changes
// neither.
func TestAccountUpdatedIsKeyedOnTheEventsAccount(t *testing.T) {
	e := moneytest.New(t, testDB)
	victim, sender := e.Store(t, apptest.Unique("victim")), e.Store(t, apptest.Unique("sender"))
	payload := stripetest.Event("evt_"+apptest.Unique("forged"), "account.updated",
		stripetest.Account(*victim.StripeAccountID, false, false, []string{"individual.id_number"}, "rejected.fraud"),
		stripetest.OnAccount(*sender.StripeAccountID), stripetest.Created(time.Now()))
	if resp, body := e.Deliver(t, "/webhooks/stripe/connect", payload); resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, s := range []*tenants.Tenant{victim, sender} {
		if charges, a := readAccount(t, e, s.ID); !charges || a.Reason != "" {
			t.Fatalf("store %s changed by another account's event: charges %v, account %+v", s.Slug, charges, a)
		}
	}
}

func TestLiveDeploymentIgnoresTestModeConnectEvents(t *testing.T) {
	e := moneytest.New(t, testDB, func(c *config.Config) { c.StripeSecretKey = "sk_live_claro_test" })
	s := e.Store(t, apptest.Unique("live"))
	resp, _ := e.Deliver(t, "/webhooks/stripe/connect",
		accountEvent("evt_"+apptest.Unique("tm"), s, false, nil, "", time.Now(), stripetest.Livemode(false)))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if charges, _ := readAccount(t, e, s.ID); !charges {
		t.Fatal("a test-mode event changed a live store")
	}
	resp, _ = e.Deliver(t, "/webhooks/stripe/connect",
		accountEvent("evt_"+apptest.Unique("lm"), s, false, nil, "", time.Now(), stripetest.Livemode(true)))
	if charges, _ := readAccount(t, e, s.ID); resp.StatusCode != http.StatusOK || charges {
		t.Fatal("a live event was not applied")
	}
}

func TestDeauthorizedAccountCannotTakeCharges(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("gone"))
	payload := stripetest.Event("evt_"+apptest.Unique("de"), "account.application.deauthorized",
		map[string]any{"id": "ca_claro", "object": "application"}, stripetest.OnAccount(*s.StripeAccountID))
	if resp, body := e.Deliver(t, "/webhooks/stripe/connect", payload); resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if charges, _ := readAccount(t, e, s.ID); charges {
		t.Fatal("a disconnected store can still take charges")
	}
}
