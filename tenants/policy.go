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
	// ErrPolicyBusy: too many unknown, uncached names were asked about at
	// once (a flood of random SNI names); the name is refused without asking
	// the database. A known store's name is never refused this way.
	ErrPolicyBusy = fmt.Errorf("tenants: policy lookup budget exhausted: %w", ErrNoCertificate)
)

// PolicyOptions tune the TLS policy; zero values take the defaults.
type PolicyOptions struct {
	// Wildcard is true when one *.ROOT_DOMAIN certificate (ACME_DNS) covers
	// every store subdomain, so subdomains never trigger on-demand issuance.
	Wildcard bool
	// LookupsPerSecond and Burst bound the database lookups for names that are
	// neither known nor cached (default 20/s, burst 40). Over budget, such
	// names are refused; known names never spend it.
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
// everything else is refused.
//
// Every allowed store name is known in memory: the policy loads the set of
// active stores' subdomains and verified custom domains at its first use
// and keeps it in step with the change listener (db.Changes calls
// Invalidate with each changed store, whose names are read again before the
// next answer). A known name is allowed without spending anything, so a
// flood of random SNI names cannot crowd out a real store's first
// handshake. Only names the set does not hold (a store created a moment
// ago, before its change was heard; or every name while the set could not
// be loaded) are looked up in the database; those answers are cached, and
// those lookups are rate-limited, so a flood of unknown names costs the
// database a bounded number of round trips, not one each.
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

	// The known names, guarded by mu. known is nil until the first load.
	known     map[string]int64   // allowed name -> its store
	byTenant  map[int64][]string // a store -> its allowed names
	stale     map[int64]bool     // stores whose names must be read again
	reloadAll bool               // every store's names must be read again
	failedAt  time.Time          // the last failed load; zero after a good one
}

type policyEntry struct{ allowed bool }

// maxStaleReads is how many stores' names are read again one by one; more
// changed at once are read again all together.
const maxStaleReads = 500

// knownRetry is how soon a failed load of the known names is tried again;
// meanwhile the known names are those of the last good load.
const knownRetry = time.Second

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
		cache: make(map[string]policyEntry), tokens: float64(opt.Burst), stale: map[int64]bool{}}
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
	if p.knows(ctx, host) {
		return nil // a known store: no lookup, no budget
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

// Invalidate is told by the change listener (db.Changes) that the store
// with this id changed (0: any store may have): its known names are dropped
// and read again before the next answer, and every cached lookup answer is
// forgotten (changes are rare next to handshakes, so forgetting all is
// cheap). Until the new read succeeds the store's names are unknown and
// take the budgeted lookup; after 0 the previous set answers until the
// reload succeeds.
func (p *Policy) Invalidate(tenantID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cache = make(map[string]policyEntry)
	if tenantID == 0 {
		p.reloadAll = true
		return
	}
	p.forget(tenantID)
	p.stale[tenantID] = true
}

// knows reports whether host is one of the known allowed names, bringing the
// set up to date first if a change is pending.
func (p *Policy) knows(ctx context.Context, host string) bool {
	p.mu.Lock()
	due := (p.known == nil || p.reloadAll || len(p.stale) > 0) &&
		(p.failedAt.IsZero() || p.now().Sub(p.failedAt) >= knownRetry)
	p.mu.Unlock()
	if due {
		_, _, _ = p.group.Do("\x00known", func() (any, error) { p.load(ctx); return nil, nil })
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.known[host]
	return ok
}

// load reads the known names: every store's at first and after
// Invalidate(0), else those of the stores invalidated since the last load.
// A store invalidated again while the read runs is left out (it stays
// stale, to be read at the next answer).
func (p *Policy) load(ctx context.Context) {
	p.mu.Lock()
	all := p.known == nil || p.reloadAll || len(p.stale) > maxStaleReads
	var ids []int64
	if !all {
		for id := range p.stale {
			ids = append(ids, id)
		}
	}
	p.reloadAll, p.stale = false, map[int64]bool{}
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	names, err := p.store.allowedNames(ctx, ids, !p.opt.Wildcard)

	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.failedAt = p.now()
		if all {
			p.reloadAll = true
		}
		for _, id := range ids {
			p.stale[id] = true
		}
		return
	}
	p.failedAt = time.Time{}
	if all {
		p.known, p.byTenant = map[string]int64{}, map[int64][]string{}
	} else {
		for _, id := range ids {
			p.forget(id)
		}
	}
	for _, n := range names {
		if p.stale[n.TenantID] {
			continue // invalidated while the read ran: unknown until read again
		}
		host := n.Name
		if n.Sub {
			host += "." + p.root
		}
		p.known[host] = n.TenantID
		p.byTenant[n.TenantID] = append(p.byTenant[n.TenantID], host)
	}
}

// forget drops a store's known names; p.mu is held.
func (p *Policy) forget(tenantID int64) {
	for _, host := range p.byTenant[tenantID] {
		delete(p.known, host)
	}
	delete(p.byTenant, tenantID)
}

// Lookups counts the database lookups the policy has made for names it did
// not know, for metrics and for tests that check a flood stays bounded.
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
