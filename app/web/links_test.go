package web_test

import (
	"testing"

	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
)

type domains map[string]string

func (d domains) CustomDomain(slug string) string { return d[slug] }

func TestLinksToAStoreUseItsActiveCustomDomain(t *testing.T) {
	l := web.Links{Scheme: "https", Root: "claro.example", Domains: domains{"alice": "shop.alice.example"}}
	if got := l.Store("alice"); got != "https://shop.alice.example" {
		t.Errorf("Store(alice) = %q", got)
	}
	if got := l.Product("alice", "zine"); got != "https://shop.alice.example/products/zine" {
		t.Errorf("Product(alice, zine) = %q", got)
	}
	if got := l.Store("bob"); got != "https://bob.claro.example" {
		t.Errorf("Store(bob) = %q", got)
	}
	custom := "shop.carol.example"
	if got := l.StoreOf(&tenants.Tenant{Slug: "carol", CustomDomain: &custom}); got != "https://shop.carol.example" {
		t.Errorf("StoreOf(carol) = %q", got)
	}
	if got := (web.Links{Scheme: "http", Root: "claro.localhost:8080"}).Store("dan"); got != "http://dan.claro.localhost:8080" {
		t.Errorf("without a directory: %q", got)
	}
}
