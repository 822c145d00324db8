package hooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/uptrace/bun"
)

// License activations and deactivations are events, written in the
// activation's transaction by the license API and by the store's reset;
// the key itself is never in them.
func TestLicenseActivationsAreEvents(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	if _, err := s.e.DB.Primary.NewRaw(`UPDATE products SET license_keys = true, activation_limit = 1 WHERE id = ?`, s.product.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	addEndpoint(t, s.e, s.store, "http://127.0.0.1:9/licenses", hooks.LicenseActivated, hooks.LicenseDeactivated)
	order, _ := s.sell(t)
	key := s.e.App.Licenses.Key(order, s.product.ID)
	call := func(path, body string) (int, map[string]any) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "http://"+apptest.Root+"/api/v1/licenses/"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.e.App.Fiber.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return resp.StatusCode, out
	}
	status, out := call("activate", `{"key":"`+key+`","instance_name":"laptop"}`)
	if status != http.StatusCreated {
		t.Fatalf("activate: %d %v", status, out)
	}
	instance := out["instance"].(map[string]any)["id"].(string)
	// Refused past the limit: no event for what did not happen.
	if status, out := call("activate", `{"key":"`+key+`","instance_name":"desktop"}`); status < 400 {
		t.Fatalf("a second activation over a limit of 1: %v", out)
	}
	if status, out := call("deactivate", `{"key":"`+key+`","instance_id":"`+instance+`"}`); status != http.StatusOK {
		t.Fatalf("deactivate: %d %v", status, out)
	}
	// Activated again, then freed by the store's reset on the dashboard
	// (under the store's row-level security): a trigger, so every path
	// that frees an activation owes the event.
	status, out = call("activate", `{"key":"`+key+`","instance_name":"laptop"}`)
	if status != http.StatusCreated {
		t.Fatalf("activate again: %d %v", status, out)
	}
	second := out["instance"].(map[string]any)["id"].(string)
	var keyID int64
	if err := s.e.DB.Primary.NewRaw(`SELECT id FROM license_keys WHERE order_id = ?`, order).Scan(ctx, &keyID); err != nil {
		t.Fatal(err)
	}
	if err := s.e.App.DB.InTenant(ctx, s.store.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := s.e.App.Licenses.Creator(tx).Reset(ctx, s.store.ID, keyID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	if err := s.e.DB.Primary.NewRaw(`SELECT body FROM hook_events WHERE tenant_id = ? ORDER BY id`, s.store.ID).Scan(ctx, &bodies); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 4 {
		t.Fatalf("%d license events, want two activations and two deactivations: %v", len(bodies), bodies)
	}
	for i, want := range []struct {
		typ         string
		activations float64
		instance    string
	}{{hooks.LicenseActivated, 1, instance}, {hooks.LicenseDeactivated, 0, instance}, {hooks.LicenseActivated, 1, second}, {hooks.LicenseDeactivated, 0, second}} {
		var ev struct {
			Type string `json:"type"`
			Data struct {
				License  map[string]any `json:"license"`
				Instance map[string]any `json:"instance"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(bodies[i]), &ev); err != nil {
			t.Fatal(err)
		}
		l := ev.Data.License
		if ev.Type != want.typ || l["activations"] != want.activations || l["last4"] != key[len(key)-4:] ||
			l["order_id"] != float64(order) || ev.Data.Instance["id"] != want.instance || ev.Data.Instance["name"] != "laptop" {
			t.Fatalf("event %d: %s", i, bodies[i])
		}
		if strings.Contains(bodies[i], key) || strings.Contains(bodies[i], strings.ReplaceAll(key, "-", "")) {
			t.Fatalf("the key itself is in the event: %s", bodies[i])
		}
	}
}
