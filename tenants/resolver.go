package tenants

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/claro-market/claro/app/db"
)

// SiteKind says what a host serves.
type SiteKind int

// The kinds of site a host can be.
const (
	// KindMarketplace is ROOT_DOMAIN: discovery, accounts, dashboard, webhooks.
	KindMarketplace SiteKind = iota + 1
	// KindStore is a creator's storefront, on its subdomain or custom domain.
	KindStore
	// KindRedirect answers 301 to RedirectHost: www -> root, a custom
	// domain's apex/www partner -> the domain, and the subdomain of a store
	// with an active custom domain -> that domain.
	KindRedirect
)

// Site is the answer to "who is this request for". Tenant is shared between
// requests through the cache: treat it as read-only.
type Site struct {
	Kind         SiteKind
	Host         string // the normalised request host, without port
	Tenant       *Tenant
	RedirectHost string
}

// Resolver maps Host headers to sites. Answers, including "no such host", are
// cached so a hot storefront never costs a database round trip. An answer is
// kept until the change listener (db.Changes) says its store changed
// (Invalidate) or that anything may have (Invalidate(0)); nothing else drops
// one, neither a write path nor a timer.
type Resolver struct {
	store    *Store
	root     string
	maxItems int

	mu    sync.RWMutex
	cache map[string]cacheEntry
}

type cacheEntry struct {
	site        Site
	missing     bool
	unavailable int64 // the suspended store's id (ErrUnavailable)
}

// answer is what Resolve says for a cached entry.
func (e cacheEntry) answer() (Site, error) {
	switch {
	case e.unavailable != 0:
		return Site{}, ErrUnavailable
	case e.missing:
		return Site{}, ErrNotFound
	}
	return e.site, nil
}

// NewResolver returns a resolver for hosts under rootHost (ROOT_DOMAIN without
// its port).
func NewResolver(store *Store, rootHost string) *Resolver {
	return &Resolver{
		store:    store,
		root:     strings.ToLower(rootHost),
		maxItems: 50_000,
		cache:    make(map[string]cacheEntry),
	}
}

// Resolve returns the site for a raw Host header, or ErrNotFound for a host
// that Claro does not serve.
func (r *Resolver) Resolve(ctx context.Context, rawHost string) (Site, error) {
	useCache := !db.ReadsPrimary(ctx)
	if useCache {
		// A Host header already in normal form (lower case, no port: what
		// browsers send for a store) is its own cache key: answer from the
		// cache without parsing it again (Classify was 2% of the server's
		// CPU on a cached page under load). Only hosts Classify returned are
		// ever keys, so a hit is the answer the full path would give.
		if e, hit := r.cached(rawHost); hit {
			return e.answer()
		}
	}
	host, kind, sub, ok := Classify(rawHost, r.root)
	if !ok {
		return Site{}, ErrNotFound
	}
	switch kind {
	case KindMarketplace:
		return Site{Kind: KindMarketplace, Host: host}, nil
	case KindRedirect:
		return Site{Kind: KindRedirect, Host: host, RedirectHost: r.root}, nil
	}

	if !useCache {
		// The writer has changed something the replica (and so the cache,
		// which holds what the replica said) may not have yet: ask the
		// primary, and leave the cache to the change listener.
		return r.lookup(ctx, host, sub)
	}
	if host != rawHost { // rawHost was looked up already
		if e, hit := r.cached(host); hit {
			return e.answer()
		}
	}

	site, err := r.lookup(ctx, host, sub)
	var gone *unavailableError
	switch {
	case errors.As(err, &gone):
		r.put(host, cacheEntry{unavailable: gone.tenantID})
		return Site{}, ErrUnavailable
	case errors.Is(err, ErrNotFound):
		r.put(host, cacheEntry{missing: true})
		return Site{}, ErrNotFound
	case err != nil:
		return Site{}, err
	}
	r.put(host, cacheEntry{site: site})
	return site, nil
}

func (r *Resolver) lookup(ctx context.Context, host, sub string) (Site, error) {
	if sub != "" {
		t, err := r.store.BySlug(ctx, sub)
		if err != nil {
			return Site{}, err
		}
		if !t.Active() {
			return Site{}, &unavailableError{t.ID}
		}
		// A store with an active custom domain is served there; its
		// subdomain answers 301 (tenants.custom_domain is set exactly while
		// the domain is active).
		if t.CustomDomain != nil && *t.CustomDomain != "" {
			return Site{Kind: KindRedirect, Host: host, Tenant: t, RedirectHost: *t.CustomDomain}, nil
		}
		return Site{Kind: KindStore, Host: host, Tenant: t}, nil
	}
	// A custom domain is served only while it is active; its apex/www partner
	// answers 301 to it.
	d, err := r.store.ActiveDomain(ctx, host)
	if err != nil {
		return Site{}, err
	}
	t, err := r.store.ByID(ctx, d.TenantID)
	if err != nil {
		return Site{}, err
	}
	if !t.Active() {
		return Site{}, &unavailableError{t.ID}
	}
	if host != d.Hostname {
		return Site{Kind: KindRedirect, Host: host, Tenant: t, RedirectHost: d.Hostname}, nil
	}
	return Site{Kind: KindStore, Host: host, Tenant: t}, nil
}

// Classify applies the host rules without touching the database: the root is
// the marketplace, www.root redirects, <slug>.root is a store subdomain (sub is
// the slug), and any other valid name may be a custom domain (sub is empty).
// Deeper names under the root (a.b.root) and anything ParseHost refuses are
// not ok.
func Classify(rawHost, root string) (host string, kind SiteKind, sub string, ok bool) {
	host, ok = ParseHost(rawHost)
	if !ok {
		return "", 0, "", false
	}
	switch host {
	case root:
		return host, KindMarketplace, "", true
	case "www." + root:
		return host, KindRedirect, "", true
	}
	if s, under := strings.CutSuffix(host, "."+root); under {
		if strings.Contains(s, ".") {
			return "", 0, "", false
		}
		return host, KindStore, s, true
	}
	return host, KindStore, "", true
}

// Peek is Resolve answered from memory alone, for the page cache's early
// path (web.PageCache.Early): the marketplace, or a store whose answer is
// cached. ok is false for anything else (a host not looked up yet, one in
// another form than the one its answer is kept under, a redirect, a
// refusal), which Resolve must answer. rawHost's port and trailing dot are
// checked and dropped as ParseHost does; the rest must be the normal form
// already (only normal forms are keys, and the root is one), so nothing is
// copied.
func (r *Resolver) Peek(rawHost string) (Site, bool) {
	host, ok := trimHost(rawHost)
	if !ok {
		return Site{}, false
	}
	if host == r.root {
		return Site{Kind: KindMarketplace, Host: r.root}, true
	}
	e, hit := r.cached(host)
	if !hit || e.missing || e.unavailable != 0 || e.site.Kind != KindStore {
		return Site{}, false
	}
	return e.site, true
}

// cached is the cache's entry for host.
func (r *Resolver) cached(host string) (cacheEntry, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, hit := r.cache[host]
	return e, hit
}

func (r *Resolver) put(host string, e cacheEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.cache) >= r.maxItems {
		// A flood of unknown names must not grow memory without bound: start over.
		r.cache = make(map[string]cacheEntry, len(r.cache)/2)
	}
	r.cache[host] = e
}

// Invalidate drops every cached answer about the store with this id, and every
// cached "not found" (a new slug or domain may now exist); 0 drops every
// answer (any store may have changed). The change listener (db.Changes)
// calls it for each store a committed write announces.
func (r *Resolver) Invalidate(tenantID int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if tenantID == 0 {
		r.cache = make(map[string]cacheEntry)
		return
	}
	for h, e := range r.cache {
		if e.missing || e.unavailable == tenantID || (e.site.Tenant != nil && e.site.Tenant.ID == tenantID) {
			delete(r.cache, h)
		}
	}
}

// unavailableError is lookup's answer for a suspended store, carrying its id
// so that the cached answer goes when that store changes; Resolve answers
// ErrUnavailable.
type unavailableError struct{ tenantID int64 }

func (e *unavailableError) Error() string { return ErrUnavailable.Error() }
func (e *unavailableError) Unwrap() error { return ErrUnavailable }
