package tenants

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

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

// publish puts the records that prove d in the fixture's DNS: its token under
// _claro.<host> (with any tokens already there) and a CNAME to the platform.
func (f *checkerFixture) publish(d *Domain, tokens ...string) {
	var txt []string
	for _, tok := range append(tokens, d.VerificationToken) {
		txt = append(txt, d.TXTName()+`. 1 IN TXT "`+tok+`"`)
	}
	f.dns.Set(f.zone, d.TXTName(), dns.TypeTXT, txt...)
	f.dns.Set(f.zone, d.Hostname, dns.TypeCNAME, d.Hostname+". 1 IN CNAME edge.edge-dns.test.")
}

// The squatting hole, closed: a store that adds somebody else's domain and
// never verifies it must not keep the domain's real owner from adding it.
// Any number of stores may claim a name while it is unproven; the one whose
// token is in DNS wins, and the stale claims go.
func TestAPendingClaimNeverBlocksTheStoreThatProvesTheDomain(t *testing.T) {
	ctx := context.Background()
	f := newCheckerFixture(t, false)
	squatter, owner := createTenant(t, uniq("squatter-dns")), createTenant(t, uniq("owner-dns"))
	host := "shop." + f.zone
	stale, err := f.store.Add(ctx, squatter.ID, host)
	if err != nil {
		t.Fatal(err)
	}
	if stale = f.check(t, stale); stale.Status != DomainPending {
		t.Fatalf("squatter's claim without DNS: %s", stale.Status)
	}
	mine, err := f.store.Add(ctx, owner.ID, strings.ToUpper(host))
	if err != nil {
		t.Fatalf("the real owner cannot add a domain another store only claims: %v", err)
	}
	if mine.VerificationToken == stale.VerificationToken {
		t.Fatal("two claims share a token")
	}

	// The squatter's token does not prove the owner's claim, nor the other way round.
	f.publish(stale)
	if mine = f.check(t, mine); mine.Status != DomainPending {
		t.Fatalf("owner's claim verified by the squatter's token: %s", mine.Status)
	}
	f.publish(mine)
	if mine = f.check(t, mine); mine.Status != DomainActive {
		t.Fatalf("owner's claim with its token in DNS: %s %q", mine.Status, mine.LastError)
	}
	if _, err := f.store.ForTenant(ctx, squatter.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the stale pending claim is still there: %v", err)
	}
	if !slices.Contains(f.changed, squatter.ID) {
		t.Errorf("the squatter's lost claim was not announced: %v", f.changed)
	}
	if _, err := f.store.Add(ctx, squatter.ID, host); !errors.Is(err, ErrDomainTaken) {
		t.Fatalf("adding a proven domain: %v, want ErrDomainTaken", err)
	}
	if d, err := NewStore(testDB.Primary).ActiveDomain(ctx, host); err != nil || d.TenantID != owner.ID {
		t.Fatalf("served for %+v, %v; want the owner's store", d, err)
	}

	// A claim that slipped in meanwhile and proves the same name later loses
	// to the claim already holding it, and goes.
	late := createTenant(t, uniq("late-dns"))
	racer := &Domain{TenantID: late.ID, Hostname: host, VerificationToken: newToken(), Status: DomainPending,
		LastTXT: []string{}, LastAddrs: []string{}}
	if _, err := testDB.Primary.NewInsert().Model(racer).Returning("*").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.publish(racer, mine.VerificationToken)
	if err := f.checker.Check(ctx, racer); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ForTenant(ctx, late.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the later proof kept its claim: %v", err)
	}
	if d, err := NewStore(testDB.Primary).ActiveDomain(ctx, host); err != nil || d.TenantID != owner.ID {
		t.Fatalf("after the later proof, served for %+v, %v; want the owner's store", d, err)
	}
	if mine = f.check(t, mine); mine.Status != DomainActive {
		t.Fatalf("owner's domain after the race: %s %q", mine.Status, mine.LastError)
	}
}

// A claim never verified expires PendingTTL after it was added; a verified
// one never does.
func TestAPendingClaimExpiresAfter72Hours(t *testing.T) {
	ctx := context.Background()
	f := newCheckerFixture(t, false)
	age := func(d *Domain, by time.Duration) {
		t.Helper()
		if _, err := testDB.Primary.ExecContext(ctx, "UPDATE domains SET created_at = now() - make_interval(secs => ?) WHERE id = ?",
			by.Seconds(), d.ID); err != nil {
			t.Fatal(err)
		}
	}
	add := func(slug, host string) (*Tenant, *Domain) {
		t.Helper()
		tn := createTenant(t, uniq(slug))
		d, err := f.store.Add(ctx, tn.ID, host)
		if err != nil {
			t.Fatal(err)
		}
		return tn, d
	}
	oldTn, old := add("old-claim", "old."+f.zone)
	youngTn, young := add("young-claim", "young."+f.zone)
	provenTn, proven := add("proven-claim", "proven."+f.zone)
	failedTn, failed := add("failed-claim", "failed."+f.zone)
	age(old, PendingTTL+time.Minute)
	age(young, PendingTTL-time.Hour)
	f.publish(proven)
	if proven = f.check(t, proven); proven.Status != DomainActive {
		t.Fatalf("proven claim: %s", proven.Status)
	}
	age(proven, 30*24*time.Hour)
	for range 3 {
		failed = f.check(t, failed) // never verified, failed after three checks
	}
	if failed.Status != DomainFailed || failed.VerifiedAt != nil {
		t.Fatalf("failed claim: %s", failed.Status)
	}
	age(failed, PendingTTL)

	got, err := f.store.ForTenant(ctx, oldTn.ID)
	if err != nil || !got.Expired(time.Now()) || got.ExpiresAt() == nil {
		t.Fatalf("old claim: %+v %v, want expired", got, err)
	}
	if n, err := f.checker.RunOnce(ctx); err != nil {
		t.Fatalf("RunOnce (checked %d): %v", n, err)
	}
	for _, tn := range []*Tenant{oldTn, failedTn} {
		if _, err := f.store.ForTenant(ctx, tn.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("claim of %s unverified for 72 hours still there: %v", tn.Slug, err)
		}
		if !slices.Contains(f.changed, tn.ID) {
			t.Errorf("expiry of %s not announced", tn.Slug)
		}
	}
	for _, tn := range []*Tenant{youngTn, provenTn} {
		if _, err := f.store.ForTenant(ctx, tn.ID); err != nil {
			t.Errorf("claim of %s went: %v", tn.Slug, err)
		}
	}
	if d, err := NewStore(testDB.Primary).ActiveDomain(ctx, "proven."+f.zone); err != nil || d.ExpiresAt() != nil {
		t.Fatalf("verified domain: %+v %v", d, err)
	}

	// A store's own expired claim does not count against it before the
	// sweep: adding again replaces it with a fresh token.
	age(young, PendingTTL)
	again, err := f.store.Add(ctx, youngTn.ID, "young."+f.zone)
	if err != nil || again.ID == young.ID || again.VerificationToken == young.VerificationToken {
		t.Fatalf("re-adding after expiry: %+v %v", again, err)
	}
	if _, err := f.store.Add(ctx, youngTn.ID, "other."+f.zone); !errors.Is(err, ErrDomainLimit) {
		t.Fatalf("a live claim still counts: %v, want ErrDomainLimit", err)
	}
}
