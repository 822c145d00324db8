package app_test

import (
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
		if c.status == http.StatusNotFound && body != string(e.App.Errors.NotFoundBody()) {
			t.Errorf("Host %s %s: the 404 is not the one 404 page", c.host, c.path)
		}
	}
}
