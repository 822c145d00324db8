package tenants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Reasons the TLS policy refuses a name. Both wrap ErrNoCertificate, so
// callers need only one errors.Is.
var (
	// ErrNoCertificate: this name may not have a certificate.
	ErrNoCertificate = errors.New("tenants: no certificate may be issued for this name")
	// ErrPolicyBusy: too many uncached names were asked about at once (a flood
	// of random SNI names); the name is refused without asking the database.
	ErrPolicyBusy = fmt.Errorf("tenants: policy lookup budget exhausted: %w", ErrNoCertificate)
)

// PolicyOptions tune the TLS policy; zero values take the defaults.
type PolicyOptions struct {
	// Wildcard is true when one *.ROOT_DOMAIN certificate (ACME_DNS) covers
	// every store subdomain, so subdomains never trigger on-demand issuance.
	Wildcard bool
	// LookupsPerSecond and Burst bound the database lookups for names that are
	// not cached (default 20/s, burst 40). Over budget, names are refused.
	LookupsPerSecond float64
	Burst            int
	// MaxItems bounds the cache (50,000). Answers are kept until the change
	// listener (db.Changes) calls Invalidate.
	MaxItems int
}

// Policy answers one question, for CertMagic's on-demand DecisionFunc and for
// Caddy's ask endpoint alike: may this host have a certificate? Allowed are
// ROOT_DOMAIN, www.ROOT_DOMAIN, subdomains of active stores (when no wildcard
// certificate covers them) and verified custom domains of active stores;
// everything else is refused. Answers are cached, and lookups for uncached
// names are rate-limited, so a flood of unknown names costs the database a
// bounded number of round trips, not one each.
type Policy struct {
	store *Store
	root  string
	opt   PolicyOptions
	now   func() time.Time
	group singleflight.Group

	mu      sync.Mutex
	cache   map[string]policyEntry
	tokens  float64
	refill  time.Time
	lookups atomic.Int64
}

type policyEntry struct{ allowed bool }

// NewPolicy returns the policy for hosts under rootHost (ROOT_DOMAIN without
// its port). store may read the replica: a name verified a moment ago is
// allowed once the replica has it.
func NewPolicy(store *Store, rootHost string, opt PolicyOptions) *Policy {
	if opt.LookupsPerSecond <= 0 {
		opt.LookupsPerSecond = 20
	}
	if opt.Burst <= 0 {
		opt.Burst = 40
	}
	if opt.MaxItems <= 0 {
		opt.MaxItems = 50_000
	}
	return &Policy{store: store, root: strings.ToLower(rootHost), opt: opt, now: time.Now,
		cache: make(map[string]policyEntry), tokens: float64(opt.Burst)}
}

// Allow returns nil when name may have a certificate, and an error wrapping
// ErrNoCertificate when it may not (or when the database could not say).
// It has CertMagic's DecisionFunc signature.
func (p *Policy) Allow(ctx context.Context, name string) error {
	if strings.Contains(name, ":") {
		return ErrNoCertificate // a certificate name has no port; IPv6 literals end here too
	}
	host, kind, sub, ok := Classify(name, p.root)
	if !ok {
		return ErrNoCertificate
	}
	switch {
	case kind == KindMarketplace || kind == KindRedirect:
		return nil
	case sub != "" && p.opt.Wildcard:
		return ErrNoCertificate
	}
	if allowed, hit := p.cached(host); hit {
		if allowed {
			return nil
		}
		return ErrNoCertificate
	}
	v, err, _ := p.group.Do(host, func() (any, error) {
		if !p.take() {
			return false, ErrPolicyBusy
		}
		p.lookups.Add(1)
		var allowed bool
		var err error
		if sub != "" {
			allowed, err = p.store.ActiveSlug(ctx, sub)
		} else {
			allowed, err = p.store.CertifiedDomain(ctx, host)
		}
		if err != nil {
			return false, err
		}
		p.put(host, allowed)
		return allowed, nil
	})
	switch {
	case errors.Is(err, ErrPolicyBusy):
		return err
	case err != nil:
		return errors.Join(ErrNoCertificate, err)
	case !v.(bool):
		return ErrNoCertificate
	}
	return nil
}

// Invalidate forgets every cached answer. The change listener calls it on
// every announced change (a store's status, a domain's status, ...): changes
// are rare next to handshakes, so forgetting all is cheap.
func (p *Policy) Invalidate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cache = make(map[string]policyEntry)
}

// Lookups counts the database lookups the policy has made, for metrics and
// for tests that check a flood stays bounded.
func (p *Policy) Lookups() int64 { return p.lookups.Load() }

func (p *Policy) cached(host string) (allowed, hit bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.cache[host]
	if !ok {
		return false, false
	}
	return e.allowed, true
}

func (p *Policy) put(host string, allowed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.cache) >= p.opt.MaxItems {
		p.cache = make(map[string]policyEntry, p.opt.MaxItems/2) // bounded: start over
	}
	p.cache[host] = policyEntry{allowed: allowed}
}

// take spends one lookup from the token bucket.
func (p *Policy) take() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.refill.IsZero() || now.Before(p.refill) {
		p.refill = now // first use, or the clock stepped back
	}
	if el := now.Sub(p.refill).Seconds(); el > 0 {
		p.tokens = min(float64(p.opt.Burst), p.tokens+el*p.opt.LookupsPerSecond)
		p.refill = now
	}
	if p.tokens < 1 {
		return false
	}
	p.tokens--
	return true
}
