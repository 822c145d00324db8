package stripeproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// AccountsPath is the proxy's own endpoint (never forwarded to stripe-mock)
// that sets a connected account's state: POST AccountsPath+<account id> with
// an Account as JSON. stripe-mock answers every account with the same
// fixture, restricted forever; the proxy lays the state set here over its
// answers to GET and POST /v1/accounts/<id>, so what the app reads from
// "Stripe" is what the local test-onboarding page chose.
const AccountsPath = "/_claro/accounts/"

// Account is the part of a connected account the proxy overlays. An account
// never set is stripe-mock's fixture, unchanged.
type Account struct {
	ID               string   `json:"id"`
	ChargesEnabled   bool     `json:"charges_enabled"`
	PayoutsEnabled   bool     `json:"payouts_enabled"`
	DetailsSubmitted bool     `json:"details_submitted"`
	CurrentlyDue     []string `json:"currently_due"`
	PastDue          []string `json:"past_due"`
	DisabledReason   string   `json:"disabled_reason"`
	BusinessName     string   `json:"business_name"`
	Country          string   `json:"country"`
	BankLast4        string   `json:"bank_last4"`
}

// accounts holds the state set through AccountsPath, per account id.
type accounts struct {
	mu sync.Mutex
	m  map[string]Account
}

func (a *accounts) get(id string) (Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, ok := a.m[id]
	return st, ok
}

// serveSet answers POST AccountsPath+<id>: 204 once the state is held, 400
// for a body that is not an Account for that id.
func (a *accounts) serveSet(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, AccountsPath)
	var st Account
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	switch {
	case r.Method != http.MethodPost:
		http.Error(w, "POST an account's state", http.StatusMethodNotAllowed)
		return
	case !strings.HasPrefix(id, "acct_") || strings.Contains(id, "/"):
		http.Error(w, "not an account id", http.StatusBadRequest)
		return
	case dec.Decode(&st) != nil || (st.ID != "" && st.ID != id):
		http.Error(w, "body is not this account's state", http.StatusBadRequest)
		return
	}
	st.ID = id
	a.mu.Lock()
	if a.m == nil {
		a.m = map[string]Account{}
	}
	a.m[id] = st
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// overlay lays the held state of the account obj names over it (a decoded
// stripe-mock account); false when there is none.
func (a *accounts) overlay(obj map[string]any) bool {
	id, _ := obj["id"].(string)
	st, ok := a.get(id)
	if !ok {
		return false
	}
	obj["charges_enabled"], obj["payouts_enabled"], obj["details_submitted"] = st.ChargesEnabled, st.PayoutsEnabled, st.DetailsSubmitted
	var reason any
	if st.DisabledReason != "" {
		reason = st.DisabledReason
	}
	req, _ := obj["requirements"].(map[string]any)
	if req == nil {
		req = map[string]any{}
	}
	req["currently_due"], req["eventually_due"], req["past_due"], req["disabled_reason"] =
		nonNil(st.CurrentlyDue), nonNil(st.CurrentlyDue), nonNil(st.PastDue), reason
	obj["requirements"] = req
	if st.Country != "" {
		obj["country"] = st.Country
	}
	if st.BusinessName != "" {
		bp, _ := obj["business_profile"].(map[string]any)
		if bp == nil {
			bp = map[string]any{}
		}
		bp["name"] = st.BusinessName
		obj["business_profile"] = bp
	}
	if st.BankLast4 != "" {
		obj["external_accounts"] = map[string]any{"object": "list", "has_more": false, "url": "/v1/accounts/" + id + "/external_accounts",
			"data": []any{map[string]any{"id": "ba_claro_" + id, "object": "bank_account", "account": id, "bank_name": "CLARO TEST BANK",
				"country": obj["country"], "currency": obj["default_currency"], "last4": st.BankLast4, "status": "new"}}}
	}
	return true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SetAccount asks the proxy at base (what STRIPE_API_BASE points at) to hold
// st for its account, so later reads of the account return it. A base that is
// not this proxy (stripe-mock alone, or Stripe) is an error.
func SetAccount(ctx context.Context, hc *http.Client, base string, st Account) error {
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+AccountsPath+st.ID, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("stripeproxy: set account %s: %w", st.ID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("stripeproxy: set account %s: %s: %s: %w", st.ID, resp.Status, bytes.TrimSpace(msg), ErrNotProxy)
	}
	return nil
}

// ErrNotProxy is STRIPE_API_BASE not answering as this proxy does.
var ErrNotProxy = errors.New("stripeproxy: STRIPE_API_BASE is not the claro dev proxy in front of stripe-mock")
