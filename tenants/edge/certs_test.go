package edge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/claro-market/claro/tenants"
)

func TestStoreSubdomainGetsACertificateOnItsFirstHandshake(t *testing.T) {
	aliceEdge := uniq("alice-edge")
	pb := startPebble(t)
	createStore(t, aliceEdge)
	e := startEdge(t, pb, testDB.Primary.DB)

	leaf, err := handshake(e.tlsAddr, aliceEdge+".claro.test", pb.Roots)
	if err != nil {
		logStuck(t)
		t.Fatalf("first handshake: %v\n%s", err, pb.Log())
	}
	if !slices.Contains(leaf.DNSNames, aliceEdge+".claro.test") {
		t.Fatalf("certificate for %v", leaf.DNSNames)
	}
	if _, err := handshake(e.tlsAddr, aliceEdge+".claro.test", pb.Roots); err != nil {
		t.Fatal(err)
	}
	if n := pb.Orders(); n != 1 {
		t.Fatalf("%d ACME orders for one name and two handshakes", n)
	}
	keys, err := NewStorage(testDB.Primary.DB).List(context.Background(), "certificates", true)
	if err != nil || !slices.ContainsFunc(keys, func(k string) bool { return len(k) > 4 && k[len(k)-4:] == ".crt" }) {
		t.Fatalf("certificate not in PostgreSQL: %v %v", keys, err)
	}
}

func TestVerifiedCustomDomainGetsACertificateAndUnknownNamesNone(t *testing.T) {
	goneEdge := uniq("gone-edge")
	pendingEdge := uniq("pending-edge")
	verifiedEdge := uniq("verified-edge")
	pb := startPebble(t)
	addDomain(t, verifiedEdge, "shop."+verifiedEdge+".example", "verified")
	addDomain(t, pendingEdge, "shop."+pendingEdge+".example", "pending")
	createStore(t, goneEdge)
	if _, err := testDB.Primary.ExecContext(context.Background(), "UPDATE tenants SET status = 'suspended' WHERE slug = ?", goneEdge); err != nil {
		t.Fatal(err)
	}
	e := startEdge(t, pb, testDB.Primary.DB)

	if _, err := handshake(e.tlsAddr, "shop."+verifiedEdge+".example", pb.Roots); err != nil {
		t.Fatalf("verified domain: %v", err)
	}
	for _, name := range []string{"shop." + pendingEdge + ".example", "evil.example", "nobody-edge.claro.test",
		goneEdge + ".claro.test", "a.b.claro.test", "claro.test.evil.com"} {
		if _, err := handshake(e.tlsAddr, name, pb.Roots); err == nil {
			t.Errorf("%s got a certificate", name)
		}
	}
	if n := pb.Orders(); n != 1 {
		t.Fatalf("%d ACME orders; only the verified domain should have caused one", n)
	}
}

func TestTwoMachinesSharingOneDatabaseMakeOneOrderForANewHost(t *testing.T) {
	sharedEdge := uniq("shared-edge")
	pb := startPebble(t)
	createStore(t, sharedEdge)
	a := startEdge(t, pb, testDB.Primary.DB)
	b := startEdge(t, pb, secondPool(t))

	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		addr := a.tlsAddr
		if i%2 == 1 {
			addr = b.tlsAddr
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = handshake(addr, sharedEdge+".claro.test", pb.Roots)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			logStuck(t)
			t.Fatalf("handshake %d: %v\n%s", i, err, pb.Log())
		}
	}
	if n := pb.Orders(); n != 1 {
		t.Fatalf("%d ACME orders from two machines for one new host", n)
	}
}

func TestThousandRandomSNIHandshakesMakeNoOrders(t *testing.T) {
	pb := startPebble(t)
	// Lookups refill so slowly that the test sees the burst alone, whatever its pace.
	e := startEdge(t, pb, testDB.Primary.DB, func(o *Options) {
		o.Policy = tenants.NewPolicy(tenants.NewStore(testDB.Primary), testRoot, tenants.PolicyOptions{LookupsPerSecond: 1e-9})
	})
	names := make(chan string)
	go func() {
		defer close(names)
		for i := range 1000 {
			switch i % 3 {
			case 0:
				names <- fmt.Sprintf("r%x.claro.test", rand.Uint64())
			case 1:
				names <- fmt.Sprintf("r%x.example", rand.Uint64())
			default:
				names <- fmt.Sprintf("r%x.r%x.claro.test", rand.Uint64(), rand.Uint64())
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				if _, err := handshake(e.tlsAddr, name, pb.Roots); err == nil {
					mu.Lock()
					got++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if got != 0 {
		t.Fatalf("%d random names got certificates", got)
	}
	if n := pb.Orders(); n != 0 {
		t.Fatalf("%d ACME orders from random names", n)
	}
	if n := e.policy.Lookups(); n > 40 {
		t.Fatalf("1,000 random names cost %d database lookups; the budget's burst is 40", n)
	}
}

func TestOurThrottleStopsOrdersBeyondItsBudget(t *testing.T) {
	firstThrottle := uniq("first-throttle")
	secondThrottle := uniq("second-throttle")
	pb := startPebble(t)
	createStore(t, firstThrottle)
	createStore(t, secondThrottle)
	e := startEdge(t, pb, testDB.Primary.DB, func(o *Options) { o.Throttle = Throttle{Burst: 1, Every: 1 << 62} })
	if _, err := handshake(e.tlsAddr, firstThrottle+".claro.test", pb.Roots); err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(e.tlsAddr, secondThrottle+".claro.test", pb.Roots); err == nil {
		t.Fatal("second name got a certificate past the throttle")
	}
	if n, ours := pb.Orders(), e.srv.Orders(); n != 1 || ours != 1 {
		t.Fatalf("orders at Pebble %d, ours %d; want 1", n, ours)
	}
}
