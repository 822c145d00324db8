package edge

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/dnstest"
	"github.com/libdns/libdns"
	"github.com/miekg/dns"
)

// withWildcard configures the edge as ACME_DNS does: the RFC 2136 provider
// on the test's BIND, and a policy that leaves subdomains to the wildcard.
func withWildcard(bind *dnstest.Server, mod func(*WildcardDNS)) edgeOpt {
	return func(o *Options) {
		o.Wildcard = WildcardFrom(config.DNSUpdate{Server: bind.Addr, KeyName: dnstest.KeyName, Secret: bind.Secret,
			Algorithm: "hmac-sha256", Zone: testRoot + "."})
		if mod != nil {
			mod(o.Wildcard)
		}
		o.Policy = tenants.NewPolicy(tenants.NewStore(testDB.Primary), testRoot, tenants.PolicyOptions{Wildcard: true})
	}
}

func TestWildcardCertificateIsObtainedThroughRFC2136OnBIND(t *testing.T) {
	bind := dnstest.StartBIND(t, testRoot)
	pb := startPebbleDNS(t, bind.Addr)
	alice := uniq("alice-wild")
	createStore(t, alice)
	e := startEdge(t, pb, testDB.Primary.DB, withWildcard(bind, nil))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := e.srv.ManageWildcard(ctx); err != nil {
		t.Fatalf("wildcard: %v\n%s", err, pb.Log())
	}
	for _, name := range []string{alice + ".claro.test", uniq("bob-wild") + ".claro.test"} {
		leaf, err := handshake(e.tlsAddr, name, pb.Roots)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Contains(leaf.DNSNames, "*.claro.test") {
			t.Fatalf("%s: certificate for %v, want the wildcard", name, leaf.DNSNames)
		}
	}
	if n := pb.Orders(); n != 1 {
		t.Fatalf("%d ACME orders; one wildcard covers every store", n)
	}
	// Plain HTTP still redirects the subdomains the wildcard serves.
	resp, _ := get(t, client(e, nil, e.httpAddr, false), "GET", "http://"+alice+".claro.test/x")
	if resp.StatusCode != 301 || !strings.HasPrefix(resp.Header.Get("Location"), "https://"+alice+".claro.test:") {
		t.Fatalf("HTTP redirect under the wildcard: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(pb.Log(), "set VALID by completed challenge") {
		t.Fatalf("Pebble never validated the challenge:\n%s", pb.Log())
	}
	// The challenge record is cleaned up afterwards.
	q := new(dns.Msg)
	q.SetQuestion("_acme-challenge.claro.test.", dns.TypeTXT)
	if r, _, err := new(dns.Client).Exchange(q, bind.Addr); err != nil || len(r.Answer) != 0 {
		t.Fatalf("challenge record left behind: %v %v", r, err)
	}
	// A second machine on the same storage finds the certificate there.
	e2 := startEdge(t, pb, testDB.Primary.DB, withWildcard(bind, nil))
	if err := e2.srv.ManageWildcard(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(e2.tlsAddr, alice+".claro.test", pb.Roots); err != nil || pb.Orders() != 1 {
		t.Fatalf("second machine: %v, %d orders", err, pb.Orders())
	}
}

// lyingProvider publishes a value other than the challenge's, to show that
// Pebble really looks the record up in BIND.
type lyingProvider struct{ *WildcardDNS }

func (l lyingProvider) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	rr := recs[0].RR()
	wrong := []libdns.Record{libdns.TXT{Name: rr.Name, TTL: rr.TTL, Text: "not-the-key-authorization"}}
	if _, err := l.Provider.AppendRecords(ctx, zone, wrong); err != nil {
		return nil, err
	}
	return recs, nil
}

func (l lyingProvider) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return l.Provider.DeleteRecords(ctx, zone, []libdns.Record{libdns.TXT{Name: recs[0].RR().Name}})
}

func TestWildcardIsRefusedWhenTheTXTRecordIsWrong(t *testing.T) {
	bind := dnstest.StartBIND(t, testRoot)
	pb := startPebbleDNS(t, bind.Addr)
	// A store whose subdomain only the wildcard would cover.
	alice := uniq("alice-wild")
	createStore(t, alice)
	e := startEdge(t, pb, testDB.Primary.DB, withWildcard(bind, func(w *WildcardDNS) {
		w.Provider = lyingProvider{&WildcardDNS{Provider: w.Provider}}
		w.PropagationTimeout = -1 // let Pebble be the judge
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.srv.ManageWildcard(ctx); err == nil {
		t.Fatal("Pebble issued a wildcard for a wrong TXT record; is it validating?")
	} else if !strings.Contains(err.Error(), "unauthorized") {
		t.Fatalf("refused for another reason than the TXT record: %v", err)
	}
	if _, err := handshake(e.tlsAddr, alice+".claro.test", pb.Roots); err == nil {
		t.Fatal("a subdomain got a certificate without the wildcard")
	}
}
