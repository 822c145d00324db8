package tenants

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/claro-market/claro/testkit/dnstest"
	"github.com/miekg/dns"
)

// checkerFixture is a real DNS server for the creators' zone and the
// platform's edge name, and a checker asking it.
type checkerFixture struct {
	dns     *dnstest.Server
	zone    string // the creators' zone
	store   *DomainStore
	checker *Checker
	changed []int64
	obtain  []string
}

func newCheckerFixture(t *testing.T, certs bool) *checkerFixture {
	t.Helper()
	// The creators' zone is new for each fixture: a domain can belong to one
	// store only, and earlier runs' stores keep theirs.
	zone := uniq("creator-dns") + ".test"
	f := &checkerFixture{zone: zone, dns: dnstest.StartBIND(t, zone, "edge-dns.test")}
	f.dns.Set("edge-dns.test", "edge.edge-dns.test", dns.TypeA, "edge.edge-dns.test. 1 IN A 127.0.0.10")
	f.store = NewDomainStore(testDB.Primary, "claro.test")
	opt := CheckerOptions{Target: "edge.edge-dns.test.", OnChange: func(id int64) { f.changed = append(f.changed, id) }}
	if certs {
		opt.Certs = obtainFunc(func(_ context.Context, names []string) error {
			f.obtain = append(f.obtain, names...)
			return nil
		})
	}
	f.checker = NewChecker(f.store, f.dns.Resolver(), opt)
	return f
}

type obtainFunc func(ctx context.Context, names []string) error

func (o obtainFunc) Obtain(ctx context.Context, names []string) error { return o(ctx, names) }

func (f *checkerFixture) check(t *testing.T, d *Domain) *Domain {
	t.Helper()
	if err := f.checker.Check(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.ForTenant(context.Background(), d.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCheckerVerifiesActivatesAndFailsADomainThatLosesItsRecords(t *testing.T) {
	checkDns := uniq("check-dns")
	f := newCheckerFixture(t, true)
	tn := createTenant(t, checkDns)
	d, err := f.store.Add(context.Background(), tn.ID, "shop."+f.zone)
	if err != nil {
		t.Fatal(err)
	}

	// Nothing published yet: pending, with what was seen and why.
	d = f.check(t, d)
	if d.Status != DomainPending || d.FailureCount != 1 || d.LastError == "" {
		t.Fatalf("before DNS: %s failures=%d %q", d.Status, d.FailureCount, d.LastError)
	}

	// The token alone is not enough; the name must point at the platform too.
	f.dns.Set(f.zone, "_claro.shop."+f.zone, dns.TypeTXT, "_claro.shop."+f.zone+`. 1 IN TXT "`+d.VerificationToken+`"`)
	d = f.check(t, d)
	if d.Status != DomainPending || len(d.LastTXT) != 1 || d.LastTXT[0] != d.VerificationToken {
		t.Fatalf("token only: %s txt=%v", d.Status, d.LastTXT)
	}

	f.dns.Set(f.zone, "shop."+f.zone, dns.TypeCNAME, "shop."+f.zone+". 1 IN CNAME edge.edge-dns.test.")
	d = f.check(t, d)
	if d.Status != DomainActive || d.FailureCount != 0 || d.LastError != "" || d.LastCNAME != "edge.edge-dns.test" {
		t.Fatalf("after DNS: %s failures=%d %q cname=%q", d.Status, d.FailureCount, d.LastError, d.LastCNAME)
	}
	if len(f.obtain) != 1 || f.obtain[0] != "shop."+f.zone {
		t.Fatalf("certificate obtained for %v", f.obtain)
	}
	if len(f.changed) != 1 || f.changed[0] != tn.ID {
		t.Fatalf("OnChange calls: %v", f.changed)
	}
	if _, err := NewStore(testDB.Primary).ActiveDomain(context.Background(), "shop."+f.zone); err != nil {
		t.Fatalf("active domain not served: %v", err)
	}

	// The creator moves the name elsewhere: it stays active through two
	// failed checks and is failed (and no longer served) at the third.
	f.dns.Set(f.zone, "shop."+f.zone, dns.TypeCNAME)
	f.dns.Set(f.zone, "shop."+f.zone, dns.TypeA, "shop."+f.zone+". 1 IN A 192.0.2.1")
	for i := 1; i <= 2; i++ {
		if d = f.check(t, d); d.Status != DomainActive || d.FailureCount != i {
			t.Fatalf("failed check %d: %s failures=%d", i, d.Status, d.FailureCount)
		}
	}
	d = f.check(t, d)
	if d.Status != DomainFailed || len(d.LastAddrs) != 1 || d.LastAddrs[0] != "192.0.2.1" {
		t.Fatalf("after 3 failures: %s addrs=%v %q", d.Status, d.LastAddrs, d.LastError)
	}
	if _, err := NewStore(testDB.Primary).ActiveDomain(context.Background(), "shop."+f.zone); !errors.Is(err, ErrNotFound) {
		t.Fatalf("failed domain still served: %v", err)
	}

	// Records restored: back to active.
	f.dns.Set(f.zone, "shop."+f.zone, dns.TypeA, "shop."+f.zone+". 1 IN A 127.0.0.10")
	if d = f.check(t, d); d.Status != DomainActive {
		t.Fatalf("restored by A record: %s %q", d.Status, d.LastError)
	}
}

func TestCheckerNeedsBothApexAndWwwToPointAtThePlatform(t *testing.T) {
	apexDns := uniq("apex-dns")
	f := newCheckerFixture(t, false)
	tn := createTenant(t, apexDns)
	d, err := f.store.Add(context.Background(), tn.ID, f.zone)
	if err != nil {
		t.Fatal(err)
	}
	f.dns.Set(f.zone, "_claro."+f.zone, dns.TypeTXT, "_claro."+f.zone+`. 1 IN TXT "`+d.VerificationToken+`"`)
	f.dns.Set(f.zone, f.zone, dns.TypeA, f.zone+". 1 IN A 127.0.0.10")
	if d = f.check(t, d); d.Status != DomainPending {
		t.Fatalf("apex only: %s", d.Status)
	}
	f.dns.Set(f.zone, "www."+f.zone, dns.TypeCNAME, "www."+f.zone+". 1 IN CNAME edge.edge-dns.test.")
	if d = f.check(t, d); d.Status != DomainActive {
		t.Fatalf("apex and www: %s %q", d.Status, d.LastError)
	}
	if len(d.LastAddrs) != 1 || d.LastAddrs[0] != "127.0.0.10" {
		t.Fatalf("addresses seen: %v", d.LastAddrs)
	}
}

func TestCheckerRunOnceClaimsOnlyDueDomains(t *testing.T) {
	dueDns := uniq("due-dns")
	f := newCheckerFixture(t, false)
	f.checker.opt.Addrs = []netip.Addr{netip.MustParseAddr("127.0.0.10")}
	tn := createTenant(t, dueDns)
	if _, err := f.store.Add(context.Background(), tn.ID, "due."+f.zone); err != nil {
		t.Fatal(err)
	}
	n, err := f.checker.RunOnce(context.Background())
	if err != nil || n < 1 {
		t.Fatalf("first run checked %d: %v", n, err)
	}
	// Everything just checked is scheduled for later: a second run finds none.
	if n, err := f.checker.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("second run checked %d: %v", n, err)
	}
}
