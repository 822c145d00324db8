package edge

import (
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

func TestThrottleAllowsABurstThenOneOrderPerInterval(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	iss := newThrottledIssuer(&certmagic.ACMEIssuer{}, Throttle{Burst: 3, Every: time.Minute})
	iss.now = func() time.Time { return now }
	for i := range 3 {
		if !iss.take() {
			t.Fatalf("order %d of the burst refused", i+1)
		}
	}
	if iss.take() {
		t.Fatal("order past the burst allowed")
	}
	now = now.Add(59 * time.Second)
	if iss.take() {
		t.Fatal("allowed before the interval passed")
	}
	now = now.Add(time.Second)
	if !iss.take() || iss.take() {
		t.Fatal("want exactly one order after one interval")
	}
	now = now.Add(24 * time.Hour)
	n := 0
	for iss.take() {
		n++
	}
	if n != 3 {
		t.Fatalf("after a long pause %d orders; the bucket holds 3", n)
	}
}
