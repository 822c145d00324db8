package tenants

import (
	"context"
	"errors"
	"testing"
)

func TestValidateDomainRefusesWhatNoStoreMayClaim(t *testing.T) {
	cases := []struct {
		in, host, alt string
		err           error
	}{
		{"shop.example.com", "shop.example.com", "", nil},
		{"  Shop.Example.COM. ", "shop.example.com", "", nil},
		{"example.com", "example.com", "www.example.com", nil},
		{"www.example.com", "www.example.com", "example.com", nil},
		{"example.co.uk", "example.co.uk", "www.example.co.uk", nil},
		{"shop.example.co.uk", "shop.example.co.uk", "", nil},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", "www.xn--bcher-kva.example", nil},
		{"203.0.113.7", "", "", ErrDomainIP},
		{"[2001:db8::1]", "", "", ErrDomainIP},
		{"2001:db8::1", "", "", ErrDomainIP},
		{"10.1", "", "", ErrDomainIP},
		{"claro.test", "", "", ErrDomainPlatform},
		{"www.claro.test", "", "", ErrDomainPlatform},
		{"alice.claro.test", "", "", ErrDomainPlatform},
		{"a.b.claro.test", "", "", ErrDomainPlatform},
		{"", "", "", ErrDomainInvalid},
		{"localhost", "", "", ErrDomainInvalid},
		{"co.uk", "", "", ErrDomainInvalid},
		{"com", "", "", ErrDomainInvalid},
		{"https://shop.example.com/", "", "", ErrDomainInvalid},
		{"shop.example.com:8443", "", "", ErrDomainInvalid},
		{"shop_example.com", "", "", ErrDomainInvalid},
		{"bücher.example", "", "", ErrDomainInvalid},
		{"-shop.example.com", "", "", ErrDomainInvalid},
		{"*.example.com", "", "", ErrDomainInvalid},
		{"shop..example.com", "", "", ErrDomainInvalid},
	}
	for _, c := range cases {
		host, alt, err := ValidateDomain(c.in, "claro.test")
		if host != c.host || alt != c.alt || !errors.Is(err, c.err) {
			t.Errorf("ValidateDomain(%q) = %q, %q, %v; want %q, %q, %v", c.in, host, alt, err, c.host, c.alt, c.err)
		}
	}
	// A platform on an apex refuses its www partner's apex too.
	if _, _, err := ValidateDomain("www.claro.example", "claro.example"); !errors.Is(err, ErrDomainPlatform) {
		t.Errorf("www of the root accepted: %v", err)
	}
}

func TestAddDomainRefusesADomainAnotherStoreHolds(t *testing.T) {
	adddomainName := uniq("adddomain")
	aliceAdddomain := uniq("alice-adddomain")
	bobAdddomain := uniq("bob-adddomain")
	ctx := context.Background()
	s := NewDomainStore(testDB.Primary, "claro.test")
	a := createTenant(t, aliceAdddomain)
	b := createTenant(t, bobAdddomain)

	d, err := s.Add(ctx, a.ID, adddomainName+".example")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != DomainPending || d.AltHostname == nil || *d.AltHostname != "www."+adddomainName+".example" ||
		d.VerificationToken == "" || d.TXTName() != "_claro."+adddomainName+".example" {
		t.Fatalf("added %+v", d)
	}
	// Held once alice's DNS is proven (a pending claim holds nothing; see
	// TestAPendingClaimNeverBlocksTheStoreThatProvesTheDomain).
	if err := setDomainStatus(ctx, d, DomainVerified); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{adddomainName + ".example", "WWW." + adddomainName + ".example"} {
		if _, err := s.Add(ctx, b.ID, name); !errors.Is(err, ErrDomainTaken) {
			t.Errorf("bob adding %q: %v, want ErrDomainTaken", name, err)
		}
	}
	if _, err := s.Add(ctx, a.ID, "other-adddomain.example"); !errors.Is(err, ErrDomainLimit) {
		t.Errorf("second domain: %v, want ErrDomainLimit", err)
	}
	if _, err := s.Add(ctx, b.ID, aliceAdddomain+".claro.test"); !errors.Is(err, ErrDomainPlatform) {
		t.Errorf("platform subdomain: %v", err)
	}

	// Removing frees the name for another store, and only its owner may remove it.
	if err := s.Remove(ctx, b.ID, d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bob removed alice's domain: %v", err)
	}
	if err := s.Remove(ctx, a.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, b.ID, "www."+adddomainName+".example"); err != nil {
		t.Fatalf("freed name: %v", err)
	}
	if _, err := s.ForTenant(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("alice still has a domain: %v", err)
	}
}

func TestResolverServesCustomDomainsOnlyWhileActive(t *testing.T) {
	statusResolve := uniq("status-resolve")
	ctx := context.Background()
	tn := createTenant(t, statusResolve)
	d, err := NewDomainStore(testDB.Primary, "claro.test").Add(ctx, tn.ID, statusResolve+".example")
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{DomainPending, DomainVerified, DomainCertReady, DomainActive, DomainFailed} {
		if err := setDomainStatus(ctx, d, status); err != nil {
			t.Fatal(err)
		}
		r := newTestResolver(t)
		site, err := r.Resolve(ctx, statusResolve+".example")
		alt, altErr := r.Resolve(ctx, "www."+statusResolve+".example")
		if status != DomainActive {
			if !errors.Is(err, ErrNotFound) || !errors.Is(altErr, ErrNotFound) {
				t.Errorf("%s domain served: %+v %v / %+v %v", status, site, err, alt, altErr)
			}
			continue
		}
		if err != nil || site.Kind != KindStore || site.Tenant.ID != tn.ID {
			t.Errorf("active domain: %+v %v", site, err)
		}
		if altErr != nil || alt.Kind != KindRedirect || alt.RedirectHost != statusResolve+".example" {
			t.Errorf("www partner: %+v %v", alt, altErr)
		}
		got, err := NewStore(testDB.Primary).ByID(ctx, tn.ID)
		if err != nil || got.CustomDomain == nil || *got.CustomDomain != statusResolve+".example" {
			t.Errorf("tenants.custom_domain while active: %v %v", got.CustomDomain, err)
		}
	}
	got, _ := NewStore(testDB.Primary).ByID(ctx, tn.ID)
	if got.CustomDomain != nil {
		t.Errorf("tenants.custom_domain after failure: %q", *got.CustomDomain)
	}
}
