package edge

import (
	"context"
	"crypto/x509"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/certmagic"
)

// ErrThrottled is returned instead of placing an ACME order when this machine
// has issued its allowance recently. CertMagic's own limit (10 events a
// minute) protects the CA; this one protects our Let's Encrypt budget
// (300 new orders per account per 3 hours, 50 certificates per registered
// domain per week), whatever a flood of allowed names asks for.
var ErrThrottled = errors.New("edge: certificate issuance throttled; try again later")

// Throttle bounds ACME orders: Burst at once, then one every Every.
// Zero values give 20 at once and one every 2 minutes (30 an hour).
type Throttle struct {
	Burst int
	Every time.Duration
}

// throttledIssuer is the ACME issuer behind a token bucket. Embedding keeps
// the issuer's key (so storage paths do not change), PreCheck and Revoke.
type throttledIssuer struct {
	*certmagic.ACMEIssuer
	burst  float64
	every  time.Duration
	now    func() time.Time
	orders atomic.Int64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newThrottledIssuer(iss *certmagic.ACMEIssuer, t Throttle) *throttledIssuer {
	if t.Burst <= 0 {
		t.Burst = 20
	}
	if t.Every <= 0 {
		t.Every = 2 * time.Minute
	}
	return &throttledIssuer{ACMEIssuer: iss, burst: float64(t.Burst), every: t.Every, now: time.Now, tokens: float64(t.Burst)}
}

// Issue places the ACME order if the bucket allows it.
func (t *throttledIssuer) Issue(ctx context.Context, csr *x509.CertificateRequest) (*certmagic.IssuedCertificate, error) {
	if !t.take() {
		// No retry now: the handshake fails at once, and renewals are tried
		// again at CertMagic's next maintenance tick.
		return nil, certmagic.ErrNoRetry{Err: ErrThrottled}
	}
	t.orders.Add(1)
	return t.ACMEIssuer.Issue(ctx, csr)
}

func (t *throttledIssuer) take() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.last.IsZero() || now.Before(t.last) {
		t.last = now
	}
	t.tokens = min(t.burst, t.tokens+float64(now.Sub(t.last))/float64(t.every))
	t.last = now
	if t.tokens < 1 {
		return false
	}
	t.tokens--
	return true
}
