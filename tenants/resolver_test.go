package tenants

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
)

func newTestResolver(t *testing.T) *Resolver {
	t.Helper()
	return NewResolver(NewStore(testDB.Primary), "claro.test")
}

var (
	seq atomic.Int64
	run = rand.Int64N(1 << 24)
)

// uniq returns a slug or domain label unique to this call, so tests pass when
// run again (-count=2) and in any order: the prefix, a sequence number and a
// tag drawn once per test binary.
func uniq(prefix string) string { return fmt.Sprintf("%s%d%x", prefix, seq.Add(1), run) }

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
	aliceResolve := uniq("alice-resolve")
	bobResolve := uniq("bob-resolve")
	goneResolve := uniq("gone-resolve")
	ctx := context.Background()
	domain := "shop." + aliceResolve + ".example"
	alice := createTenant(t, aliceResolve)
	activateDomain(t, alice.ID, domain)
	bob := createTenant(t, bobResolve)
	createTenant(t, goneResolve, func(tn *Tenant) { tn.Status = StatusSuspended })
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
		{aliceResolve + ".claro.test", KindRedirect, alice.ID, false},
		{strings.ToUpper(aliceResolve) + ".claro.test.", KindRedirect, alice.ID, false},
		{domain, KindStore, alice.ID, false},
		{bobResolve + ".claro.test", KindStore, bob.ID, false},
		{"nobody.claro.test", 0, 0, true},
		{goneResolve + ".claro.test", 0, 0, true},
		{"x." + aliceResolve + ".claro.test", 0, 0, true},
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
	cacheResolve := uniq("cache-resolve")
	laterResolve := uniq("later-resolve")
	ctx := context.Background()
	tn := createTenant(t, cacheResolve)
	r := newTestResolver(t)
	if _, err := r.Resolve(ctx, cacheResolve+".claro.test"); err != nil {
		t.Fatal(err)
	}
	// Suspend the store behind the cache's back: the cached answer stands...
	if _, err := testDB.Primary.NewUpdate().Table("tenants").Set("status = 'suspended'").Where("id = ?", tn.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resolve(ctx, cacheResolve+".claro.test"); err != nil {
		t.Fatalf("cached store not served: %v", err)
	}
	// ...until the change is announced.
	r.Invalidate(tn.ID)
	if _, err := r.Resolve(ctx, cacheResolve+".claro.test"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("suspended store still served after Invalidate: %v", err)
	}
	// A cached "not found" goes away when a store is created under that name.
	if _, err := r.Resolve(ctx, laterResolve+".claro.test"); !errors.Is(err, ErrNotFound) {
		t.Fatal("unknown store resolved")
	}
	later := createTenant(t, laterResolve)
	r.Invalidate(later.ID)
	if _, err := r.Resolve(ctx, laterResolve+".claro.test"); err != nil {
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
	fuzzAlice := uniq("fuzz-alice")
	domain := "fuzz." + fuzzAlice + ".example"
	for _, s := range []string{"claro.test", fuzzAlice + ".claro.test", strings.ToUpper(fuzzAlice) + ".claro.test.:1", domain, "a." + fuzzAlice + ".claro.test", "\x00", ""} {
		f.Add(s)
	}
	tn := &Tenant{Slug: fuzzAlice, Name: "Fuzz"}
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
		if site.Kind == KindStore && host != fuzzAlice+".claro.test" && host != domain {
			// Only this test's store may be reached by the fuzz inputs' hosts,
			// unless another test created the slug; then the slug must match.
			if site.Tenant.Slug+".claro.test" != host && (site.Tenant.CustomDomain == nil || *site.Tenant.CustomDomain != host) {
				t.Fatalf("%q resolved to store %q", raw, site.Tenant.Slug)
			}
		}
	})
}

// A suspended store is ErrUnavailable on its subdomain and its custom
// domain (still an ErrNotFound for callers that only ask that), cached like
// any answer, and served again once restored and announced.
func TestASuspendedStoreIsUnavailableUntilRestored(t *testing.T) {
	ctx := context.Background()
	slug := uniq("susp-resolve")
	domain := "shop." + slug + ".example"
	tn := createTenant(t, slug)
	activateDomain(t, tn.ID, domain)
	r := newTestResolver(t)
	if _, err := testDB.Primary.NewUpdate().Table("tenants").Set("status = 'suspended'").Where("id = ?", tn.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	r.Invalidate(tn.ID)
	for range 2 { // the second answer comes from the cache
		for _, host := range []string{slug + ".claro.test", domain} {
			if _, err := r.Resolve(ctx, host); !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrNotFound) {
				t.Fatalf("%s: %v, want ErrUnavailable", host, err)
			}
		}
	}
	if _, err := testDB.Primary.NewUpdate().Table("tenants").Set("status = 'active'").Where("id = ?", tn.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	r.Invalidate(tn.ID)
	if site, err := r.Resolve(ctx, domain); err != nil || site.Kind != KindStore || site.Tenant.ID != tn.ID {
		t.Fatalf("restored store: %+v %v", site, err)
	}
}

// Peek answers from memory alone: the marketplace always, a store once its
// lookup is cached (in any accepted Host form of the normal name, port
// included), and nothing else: not a host never looked up, not an unknown
// one, not a refused port, not a store whose answer was dropped.
func TestPeekAnswersOnlyWhatTheCacheHolds(t *testing.T) {
	slug := uniq("peek")
	tn := createTenant(t, slug)
	r := newTestResolver(t)
	host := slug + ".claro.test"
	if s, ok := r.Peek("claro.test:8080"); !ok || s.Kind != KindMarketplace || s.Host != "claro.test" {
		t.Fatalf("marketplace: %+v %v", s, ok)
	}
	if _, ok := r.Peek(host); ok {
		t.Fatal("a store never looked up was peeked")
	}
	if _, err := r.Resolve(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{host, host + ":443", host + "."} {
		if s, ok := r.Peek(raw); !ok || s.Kind != KindStore || s.Tenant.ID != tn.ID || s.Host != host {
			t.Fatalf("%q after a lookup: %+v %v", raw, s, ok)
		}
	}
	for _, raw := range []string{strings.ToUpper(host), host + ":http", host + ":", "www.claro.test", "[::1]:80", ""} {
		if _, ok := r.Peek(raw); ok {
			t.Fatalf("%q peeked", raw)
		}
	}
	missing := uniq("peek-missing") + ".claro.test"
	if _, err := r.Resolve(context.Background(), missing); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if _, ok := r.Peek(missing); ok {
		t.Fatal("a cached not-found was peeked")
	}
	r.Invalidate(tn.ID)
	if _, ok := r.Peek(host); ok {
		t.Fatal("a dropped answer was peeked")
	}
}
