package tenants

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// policyFixture creates the stores and domains of the policy table once.
func policyFixture(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	createTenant(t, "alice-policy")
	createTenant(t, "gone-policy", func(tn *Tenant) { tn.Status = StatusSuspended })
	for _, c := range []struct{ slug, domain, status string }{
		{"verified-policy", "shop.verified-policy.example", DomainVerified},
		{"ready-policy", "shop.ready-policy.example", DomainCertReady},
		{"active-policy", "apex-policy.example", DomainActive},
		{"pending-policy", "shop.pending-policy.example", DomainPending},
		{"failed-policy", "shop.failed-policy.example", DomainFailed},
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
	sus := createTenant(t, "suspended-policy")
	d, err := NewDomainStore(testDB.Primary, "claro.test").Add(ctx, sus.ID, "shop.suspended-policy.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := setDomainStatus(ctx, d, DomainActive); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.ExecContext(ctx, "UPDATE tenants SET status = 'suspended' WHERE id = ?", sus.ID); err != nil {
		t.Fatal(err)
	}
}

// PolicyTable is the one table of TLS rules; the ask endpoint's test in
// tenants/edge runs the same names.
func TestPolicyAllowsExactlyTheTable(t *testing.T) {
	policyFixture(t)
	cases := []struct {
		name            string
		allow, wildcard bool // wildcard: the answer when a wildcard covers subdomains
	}{
		{"claro.test", true, true},
		{"www.claro.test", true, true},
		{"alice-policy.claro.test", true, false},
		{"ALICE-POLICY.claro.test.", true, false},
		{"shop.verified-policy.example", true, true},
		{"shop.ready-policy.example", true, true},
		{"apex-policy.example", true, true},
		{"www.apex-policy.example", true, true},
		{"shop.pending-policy.example", false, false},
		{"shop.failed-policy.example", false, false},
		{"shop.suspended-policy.example", false, false},
		{"gone-policy.claro.test", false, false},
		{"nobody-policy.claro.test", false, false},
		{"a.alice-policy.claro.test", false, false},
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
	createTenant(t, "flood-policy")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewPolicy(NewStore(testDB.Primary), "claro.test", PolicyOptions{LookupsPerSecond: 5, Burst: 10})
	p.now = func() time.Time { return now }
	ctx := context.Background()
	if err := p.Allow(ctx, "flood-policy.claro.test"); err != nil {
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
	if err := p.Allow(ctx, "flood-policy.claro.test"); err != nil {
		t.Fatalf("cached store refused during flood: %v", err)
	}
	// ...and new ones wait for the budget to refill.
	createTenant(t, "late-policy")
	if err := p.Allow(ctx, "late-policy.claro.test"); !errors.Is(err, ErrPolicyBusy) {
		t.Fatalf("over budget: %v, want ErrPolicyBusy", err)
	}
	now = now.Add(time.Second)
	if err := p.Allow(ctx, "late-policy.claro.test"); err != nil {
		t.Fatalf("after refill: %v", err)
	}
}

func TestPolicyCachesAnswersUntilInvalidated(t *testing.T) {
	tn := createTenant(t, "cache-policy")
	p := NewPolicy(NewStore(testDB.Primary), "claro.test", PolicyOptions{})
	ctx := context.Background()
	for range 3 {
		if err := p.Allow(ctx, "cache-policy.claro.test"); err != nil {
			t.Fatal(err)
		}
		if err := p.Allow(ctx, "missing-policy.claro.test"); err == nil {
			t.Fatal("unknown store allowed")
		}
	}
	if n := p.Lookups(); n != 2 {
		t.Fatalf("%d lookups for two names asked three times", n)
	}
	if _, err := testDB.Primary.ExecContext(ctx, "UPDATE tenants SET status = 'suspended' WHERE id = ?", tn.ID); err != nil {
		t.Fatal(err)
	}
	p.Invalidate()
	if err := p.Allow(ctx, "cache-policy.claro.test"); err == nil {
		t.Fatal("suspended store still allowed after Invalidate")
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
