package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/claro-market/claro/testkit/apptest"
)

// Caddy asks the marketplace host; a store's host, an IP literal or www never
// answer it, even for a name the policy allows.
func TestAskEndpointAnswersOnTheRootDomainOnly(t *testing.T) {
	e := apptest.New(t, testDB)
	store := apptest.Unique("ask-")
	e.Store(t, store)
	allowed := "/internal/tls/allowed?domain=" + apptest.StoreHost(store)
	cases := []struct {
		host, path string
		status     int
	}{
		{apptest.Root, allowed, http.StatusOK},
		{apptest.Root, "/internal/tls/allowed?domain=nobody-ask.claro.test", http.StatusNotFound},
		{apptest.StoreHost(store), allowed, http.StatusNotFound},
		{"127.0.0.1:8080", allowed, http.StatusNotFound},
		{"www." + apptest.Root, allowed, http.StatusMovedPermanently},
	}
	for _, c := range cases {
		resp, body := e.Get(t, c.host, c.path)
		if resp.StatusCode != c.status {
			t.Errorf("Host %s %s: %d, want %d", c.host, c.path, resp.StatusCode, c.status)
		}
		if c.status == http.StatusNotFound && body != e.NotFound(t, c.host) {
			t.Errorf("Host %s %s: the 404 is not the one 404 page", c.host, c.path)
		}
	}
}

// The budget hole, closed through the real app: a flood of random names at
// the ask endpoint spends the policy's lookup budget, and a real store's
// name (one that existed before the flood, and one opened during it) is
// still allowed at once, from the known names the change listener keeps,
// without a lookup; a random name is still refused.
func TestAskEndpointAllowsKnownStoresDuringAFloodOfRandomNames(t *testing.T) {
	e := apptest.New(t, testDB)
	before := apptest.Unique("ask-known-")
	e.Store(t, before)
	for i := range 120 {
		name := fmt.Sprintf("flood-%d-%s.example", i, before)
		if i%2 == 1 {
			name = fmt.Sprintf("flood-%d-%s.%s", i, before, apptest.Root)
		}
		if resp, _ := e.Get(t, apptest.Root, "/internal/tls/allowed?domain="+name); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("random name %s: %d", name, resp.StatusCode)
		}
	}
	during := apptest.Unique("ask-opened-")
	e.Store(t, during) // its change reaches the policy (db.Changes) before Store returns
	lookups := e.App.Policy.Lookups()
	for _, slug := range []string{before, during} {
		if resp, _ := e.Get(t, apptest.Root, "/internal/tls/allowed?domain="+apptest.StoreHost(slug)); resp.StatusCode != http.StatusOK {
			t.Fatalf("real store %s after the flood: %d, want 200", slug, resp.StatusCode)
		}
	}
	if n := e.App.Policy.Lookups() - lookups; n != 0 {
		t.Fatalf("real stores' names cost %d lookups from the flood's budget", n)
	}
	if resp, _ := e.Get(t, apptest.Root, "/internal/tls/allowed?domain=after-flood-"+before+".example"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("random name after the flood: %d, want 404", resp.StatusCode)
	}
}
