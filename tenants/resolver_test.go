package tenants

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func newTestResolver(t *testing.T) *Resolver {
	t.Helper()
	return NewResolver(NewStore(testDB.Primary), "claro.test")
}

func createTenant(t *testing.T, slug string, mods ...func(*Tenant)) *Tenant {
	t.Helper()
	tn := &Tenant{Slug: slug, Name: slug}
	for _, m := range mods {
		m(tn)
	}
	if err := NewStore(testDB.Primary).Create(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestResolveSubdomainsCustomDomainsAndUnknownHosts(t *testing.T) {
	ctx := context.Background()
	domain := "shop.alice-resolve.example"
	alice := createTenant(t, "alice-resolve")
	activateDomain(t, alice.ID, domain)
	bob := createTenant(t, "bob-resolve")
	createTenant(t, "gone-resolve", func(tn *Tenant) { tn.Status = StatusSuspended })
	r := newTestResolver(t)

	cases := []struct {
		host   string
		kind   SiteKind
		tenant int64
		err    bool
	}{
		{"claro.test", KindMarketplace, 0, false},
		{"www.claro.test:8080", KindRedirect, 0, false},
		// Alice's store is served on her active custom domain; its subdomain
		// redirects there (checked below).
		{"alice-resolve.claro.test", KindRedirect, alice.ID, false},
		{"ALICE-RESOLVE.claro.test.", KindRedirect, alice.ID, false},
		{domain, KindStore, alice.ID, false},
		{"bob-resolve.claro.test", KindStore, bob.ID, false},
		{"nobody.claro.test", 0, 0, true},
		{"gone-resolve.claro.test", 0, 0, true},
		{"x.alice-resolve.claro.test", 0, 0, true},
		{"evil.example", 0, 0, true},
		{"", 0, 0, true},
	}
	for _, c := range cases {
		site, err := r.Resolve(ctx, c.host)
		if c.err {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%q: err = %v, want ErrNotFound", c.host, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.host, err)
		}
		if site.Kind != c.kind || (c.tenant != 0 && (site.Tenant == nil || site.Tenant.ID != c.tenant)) {
			t.Errorf("%q: got %+v", c.host, site)
		}
		if site.Kind == KindRedirect && c.tenant == alice.ID && site.RedirectHost != domain {
			t.Errorf("%q redirects to %q, want its custom domain %q", c.host, site.RedirectHost, domain)
		}
	}
}

func TestResolverCachesAndInvalidates(t *testing.T) {
	ctx := context.Background()
	tn := createTenant(t, "cache-resolve")
	r := newTestResolver(t)
	if _, err := r.Resolve(ctx, "cache-resolve.claro.test"); err != nil {
		t.Fatal(err)
	}
	// Suspend the store behind the cache's back: the cached answer stands...
	if _, err := testDB.Primary.NewUpdate().Table("tenants").Set("status = 'suspended'").Where("id = ?", tn.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resolve(ctx, "cache-resolve.claro.test"); err != nil {
		t.Fatalf("cached store not served: %v", err)
	}
	// ...until the change is announced.
	r.Invalidate(tn.ID)
	if _, err := r.Resolve(ctx, "cache-resolve.claro.test"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("suspended store still served after Invalidate: %v", err)
	}
	// A cached "not found" goes away when a store is created under that name.
	if _, err := r.Resolve(ctx, "later-resolve.claro.test"); !errors.Is(err, ErrNotFound) {
		t.Fatal("unknown store resolved")
	}
	later := createTenant(t, "later-resolve")
	r.Invalidate(later.ID)
	if _, err := r.Resolve(ctx, "later-resolve.claro.test"); err != nil {
		t.Fatalf("new store not served after Invalidate: %v", err)
	}
}

func TestResolverCacheIsBounded(t *testing.T) {
	r := newTestResolver(t)
	r.maxItems = 100
	for i := 0; i < 1000; i++ {
		_, _ = r.Resolve(context.Background(), "unknown"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+".example")
	}
	r.mu.RLock()
	n := len(r.cache)
	r.mu.RUnlock()
	if n > 100 {
		t.Fatalf("cache holds %d entries, bound is 100", n)
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"claro.test", "fuzz-alice.claro.test", "FUZZ-ALICE.claro.test.:1", "fuzz.alice.example", "a.fuzz-alice.claro.test", "\x00", ""} {
		f.Add(s)
	}
	domain := "fuzz.alice.example"
	tn := &Tenant{Slug: "fuzz-alice", Name: "Fuzz"}
	if err := NewStore(testDB.Primary).Create(context.Background(), tn); err != nil {
		f.Fatal(err)
	}
	if err := setDomainActive(context.Background(), tn.ID, domain); err != nil {
		f.Fatal(err)
	}
	r := NewResolver(NewStore(testDB.Primary), "claro.test")
	f.Fuzz(func(t *testing.T, raw string) {
		site, err := r.Resolve(context.Background(), raw)
		if err != nil {
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		host, ok := ParseHost(raw)
		if !ok || host != site.Host {
			t.Fatalf("%q resolved although ParseHost gives %q, %v", raw, host, ok)
		}
		if site.Kind == KindStore && host != "fuzz-alice.claro.test" && host != domain {
			// Only this test's store may be reached by the fuzz inputs' hosts,
			// unless another test created the slug; then the slug must match.
			if site.Tenant.Slug+".claro.test" != host && (site.Tenant.CustomDomain == nil || *site.Tenant.CustomDomain != host) {
				t.Fatalf("%q resolved to store %q", raw, site.Tenant.Slug)
			}
		}
	})
}
