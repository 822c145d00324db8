package tenants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// policyNames are the fixture's store slugs and domain labels, unique to
// one call (see uniq) so the table holds on every run.
type policyNames struct {
	alice, gone, verified, ready, active, apex, pending, failed, suspended string
}

// policyFixture creates the stores and domains of the policy table once.
func policyFixture(t *testing.T) policyNames {
	t.Helper()
	ctx := context.Background()
	n := policyNames{
		alice: uniq("alice-policy"), gone: uniq("gone-policy"), verified: uniq("verified-policy"),
		ready: uniq("ready-policy"), active: uniq("active-policy"), apex: uniq("apex-policy"),
		pending: uniq("pending-policy"), failed: uniq("failed-policy"), suspended: uniq("suspended-policy"),
	}
	createTenant(t, n.alice)
	createTenant(t, n.gone, func(tn *Tenant) { tn.Status = StatusSuspended })
	for _, c := range []struct{ slug, domain, status string }{
		{n.verified, "shop." + n.verified + ".example", DomainVerified},
		{n.ready, "shop." + n.ready + ".example", DomainCertReady},
		{n.active, n.apex + ".example", DomainActive},
		{n.pending, "shop." + n.pending + ".example", DomainPending},
		{n.failed, "shop." + n.failed + ".example", DomainFailed},
	} {
		tn := createTenant(t, c.slug)
		d, err := NewDomainStore(testDB.Primary, "claro.test").Add(ctx, tn.ID, c.domain)
		if err != nil {
			t.Fatal(err)
		}
		if err := setDomainStatus(ctx, d, c.status); err != nil {
			t.Fatal(err)
		}
	}
	sus := createTenant(t, n.suspended)
	d, err := NewDomainStore(testDB.Primary, "claro.test").Add(ctx, sus.ID, "shop."+n.suspended+".example")
	if err != nil {
		t.Fatal(err)
	}
	if err := setDomainStatus(ctx, d, DomainActive); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.ExecContext(ctx, "UPDATE tenants SET status = 'suspended' WHERE id = ?", sus.ID); err != nil {
		t.Fatal(err)
	}
	return n
}

// PolicyTable is the one table of TLS rules; the ask endpoint's test in
// tenants/edge runs the same names.
func TestPolicyAllowsExactlyTheTable(t *testing.T) {
	n := policyFixture(t)
	cases := []struct {
		name            string
		allow, wildcard bool // wildcard: the answer when a wildcard covers subdomains
	}{
		{"claro.test", true, true},
		{"www.claro.test", true, true},
		{n.alice + ".claro.test", true, false},
		{strings.ToUpper(n.alice) + ".claro.test.", true, false},
		{"shop." + n.verified + ".example", true, true},
		{"shop." + n.ready + ".example", true, true},
		{n.apex + ".example", true, true},
		{"www." + n.apex + ".example", true, true},
		{"shop." + n.pending + ".example", false, false},
		{"shop." + n.failed + ".example", false, false},
		{"shop." + n.suspended + ".example", false, false},
		{n.gone + ".claro.test", false, false},
		{"nobody-policy.claro.test", false, false},
		{"a." + n.alice + ".claro.test", false, false},
		{"claro.test.evil.com", false, false},
		{"evil.com", false, false},
		{"127.0.0.1", false, false},
		{"::1", false, false},
		{"[::1]", false, false},
		{"claro.test:443", false, false},
		{"*.claro.test", false, false},
		{"", false, false},
	}
	for _, wildcard := range []bool{false, true} {
		p := NewPolicy(NewStore(testDB.Primary), "claro.test", PolicyOptions{Wildcard: wildcard})
		for _, c := range cases {
			want := c.allow
			if wildcard {
				want = c.wildcard
			}
			err := p.Allow(context.Background(), c.name)
			if (err == nil) != want {
				t.Errorf("wildcard=%v Allow(%q) = %v, want allowed=%v", wildcard, c.name, err, want)
			}
			if err != nil && !errors.Is(err, ErrNoCertificate) {
				t.Errorf("Allow(%q) = %v, want ErrNoCertificate", c.name, err)
			}
		}
	}
}

func TestPolicyFloodOfUnknownNamesCostsABoundedNumberOfLookups(t *testing.T) {
	floodPolicy := uniq("flood-policy")
	latePolicy := uniq("late-policy")
	createTenant(t, floodPolicy)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewPolicy(NewStore(testDB.Primary), "claro.test", PolicyOptions{LookupsPerSecond: 5, Burst: 10})
	p.now = func() time.Time { return now }
	ctx := context.Background()
	if err := p.Allow(ctx, floodPolicy+".claro.test"); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		name := fmt.Sprintf("random-%d.claro.test", i)
		if i%2 == 0 {
			name = fmt.Sprintf("random-%d.example", i)
		}
		if err := p.Allow(ctx, name); !errors.Is(err, ErrNoCertificate) {
			t.Fatalf("%s allowed: %v", name, err)
		}
	}
	if n := p.Lookups(); n != 10 {
		t.Fatalf("1,001 names cost %d lookups; the budget is 10", n)
	}
	// Names seen before the flood are still answered from the cache...
	if err := p.Allow(ctx, floodPolicy+".claro.test"); err != nil {
		t.Fatalf("cached store refused during flood: %v", err)
	}
	// ...and new ones wait for the budget to refill.
	createTenant(t, latePolicy)
	if err := p.Allow(ctx, latePolicy+".claro.test"); !errors.Is(err, ErrPolicyBusy) {
		t.Fatalf("over budget: %v, want ErrPolicyBusy", err)
	}
	now = now.Add(time.Second)
	if err := p.Allow(ctx, latePolicy+".claro.test"); err != nil {
		t.Fatalf("after refill: %v", err)
	}
}

func TestPolicyCachesAnswersUntilInvalidated(t *testing.T) {
	cachePolicy := uniq("cache-policy")
	tn := createTenant(t, cachePolicy)
	p := NewPolicy(NewStore(testDB.Primary), "claro.test", PolicyOptions{})
	ctx := context.Background()
	for range 3 {
		if err := p.Allow(ctx, cachePolicy+".claro.test"); err != nil {
			t.Fatal(err)
		}
		if err := p.Allow(ctx, "missing-policy.claro.test"); err == nil {
			t.Fatal("unknown store allowed")
		}
	}
	if n := p.Lookups(); n != 1 {
		t.Fatalf("%d lookups for a known and an unknown name asked three times; want 1, for the unknown", n)
	}
	if _, err := testDB.Primary.ExecContext(ctx, "UPDATE tenants SET status = 'suspended' WHERE id = ?", tn.ID); err != nil {
		t.Fatal(err)
	}
	p.Invalidate(tn.ID)
	if err := p.Allow(ctx, cachePolicy+".claro.test"); err == nil {
		t.Fatal("suspended store still allowed after Invalidate")
	}
	if _, err := testDB.Primary.ExecContext(ctx, "UPDATE tenants SET status = 'active' WHERE id = ?", tn.ID); err != nil {
		t.Fatal(err)
	}
	p.Invalidate(0) // "any store may have changed", as after a lost connection
	if err := p.Allow(ctx, cachePolicy+".claro.test"); err != nil {
		t.Fatalf("store active again: %v", err)
	}
}

// The budget hole, closed: a flood of random SNI names used to spend the
// lookup budget, so that a real store's first handshake (its name not yet
// cached) was refused. Known names (active store subdomains, verified custom
// domains) are answered from memory and never spend it; only names that
// miss do.
func TestPolicyFloodNeverRefusesAKnownStore(t *testing.T) {
	ctx := context.Background()
	subdomain := uniq("known-policy")
	createTenant(t, subdomain)
	domainStore := createTenant(t, uniq("known-domain-policy"))
	host := "shop." + uniq("known-domain-policy") + ".example"
	d, err := NewDomainStore(testDB.Primary, "claro.test").Add(ctx, domainStore.ID, host)
	if err != nil {
		t.Fatal(err)
	}
	if err := setDomainStatus(ctx, d, DomainVerified); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewPolicy(NewStore(testDB.Primary), "claro.test", PolicyOptions{LookupsPerSecond: 5, Burst: 10})
	p.now = func() time.Time { return now } // the budget never refills during the test

	for i := range 500 {
		name := fmt.Sprintf("flood-%d-%s.claro.test", i, subdomain)
		if i%2 == 0 {
			name = fmt.Sprintf("flood-%d.%s.example", i, subdomain)
		}
		_ = p.Allow(ctx, name)
	}
	if err := p.Allow(ctx, "another-random-policy.example"); !errors.Is(err, ErrPolicyBusy) {
		t.Fatalf("the flood did not exhaust the budget: %v", err)
	}
	before := p.Lookups()
	for _, name := range []string{subdomain + ".claro.test", host} {
		if err := p.Allow(ctx, name); err != nil {
			t.Fatalf("%s refused after the flood: %v", name, err)
		}
	}
	// A store that opens during the flood is known once its change is heard.
	late := createTenant(t, uniq("late-known-policy"))
	p.Invalidate(late.ID)
	if err := p.Allow(ctx, late.Slug+".claro.test"); err != nil {
		t.Fatalf("a store opened during the flood: %v", err)
	}
	if n := p.Lookups(); n != before {
		t.Fatalf("known names cost %d lookups", n-before)
	}
	if err := p.Allow(ctx, "yet-another-random-policy.claro.test"); !errors.Is(err, ErrPolicyBusy) {
		t.Fatalf("a random name after the flood: %v, want ErrPolicyBusy", err)
	}
	// The known set follows changes: a suspended store is refused at once.
	if _, err := testDB.Primary.ExecContext(ctx, "UPDATE tenants SET status = 'suspended' WHERE id = ?", domainStore.ID); err != nil {
		t.Fatal(err)
	}
	p.Invalidate(domainStore.ID)
	if err := p.Allow(ctx, host); err == nil {
		t.Fatal("the suspended store's domain is still allowed")
	}
}

func TestPolicyCacheIsBounded(t *testing.T) {
	p := NewPolicy(NewStore(testDB.Primary), "claro.test", PolicyOptions{MaxItems: 50, Burst: 1000})
	for i := range 500 {
		_ = p.Allow(context.Background(), fmt.Sprintf("bounded-%d.example", i))
	}
	p.mu.Lock()
	n := len(p.cache)
	p.mu.Unlock()
	if n > 50 {
		t.Fatalf("cache holds %d names, bound is 50", n)
	}
}
