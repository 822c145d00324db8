package edge

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// TestCertificateEventsAndExpiriesAreReported: the first handshake for a
// store's name obtains a certificate; Options.Events hears the obtaining,
// the success and the caching (never the per-handshake event), and Expiries
// lists the name with the expiry of the certificate the handshake was served.
func TestCertificateEventsAndExpiriesAreReported(t *testing.T) {
	slug := uniq("events-edge")
	pb := startPebble(t)
	createStore(t, slug)
	var mu sync.Mutex
	var events []string
	e := startEdge(t, pb, testDB.Primary.DB, func(o *Options) {
		o.Events = func(ev string) { mu.Lock(); events = append(events, ev); mu.Unlock() }
	})
	name := slug + ".claro.test"
	leaf, err := handshake(e.tlsAddr, name, pb.Roots)
	if err != nil {
		t.Fatalf("handshake: %v\n%s", err, pb.Log())
	}
	if _, err := handshake(e.tlsAddr, name, pb.Roots); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	got := slices.Clone(events)
	mu.Unlock()
	for _, want := range []string{"cert_obtaining", "cert_obtained", "cached_managed_cert"} {
		if !slices.Contains(got, want) {
			t.Errorf("events %v: no %s", got, want)
		}
	}
	if slices.Contains(got, "tls_get_certificate") {
		t.Errorf("events %v: the per-handshake event was passed on", got)
	}

	var found *Expiry
	for _, x := range e.srv.Expiries() {
		if x.Name == name {
			found = &x
		}
	}
	if found == nil {
		t.Fatalf("Expiries %v: no %s", e.srv.Expiries(), name)
	}
	if !found.NotAfter.Equal(leaf.NotAfter) || !found.NotAfter.After(time.Now()) {
		t.Fatalf("expiry %v, the served certificate's is %v", found.NotAfter, leaf.NotAfter)
	}
}
