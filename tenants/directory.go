package tenants

import (
	"context"
	"sync"
	"time"
)

// Directory knows which stores are served on an active custom domain, so
// links to a store (product cards in a listing, the library's "from <store>")
// point at its canonical host without a database round trip per link. It
// keeps every active custom domain in memory (there are few: one per store
// at most) and reloads them when the copy is older than a TTL, or at once
// after Invalidate.
type Directory struct {
	store *Store
	ttl   time.Duration
	now   func() time.Time

	mu       sync.Mutex
	bySlug   map[string]string
	loadedAt time.Time
	loading  bool
}

// NewDirectory returns a directory over store (the replica is fine: a domain
// that just went active is linked to once the replica has it; until then its
// subdomain answers 301 to it anyway).
func NewDirectory(store *Store) *Directory {
	return &Directory{store: store, ttl: 30 * time.Second, now: time.Now}
}

// CustomDomain returns the active custom domain of the store with slug, or ""
// when it is served on its subdomain only. The first call loads the table;
// later calls answer from memory and refresh it in the background when it is
// stale, so a page render never waits on the database after start-up.
func (d *Directory) CustomDomain(slug string) string {
	d.mu.Lock()
	if d.bySlug == nil {
		d.mu.Unlock()
		d.reload()
		d.mu.Lock()
	} else if !d.loading && d.now().Sub(d.loadedAt) > d.ttl {
		d.loading = true
		go d.reload()
	}
	host := d.bySlug[slug]
	d.mu.Unlock()
	return host
}

// Invalidate makes the next lookup reload before it answers (call it when a
// domain changes status; that is rare).
func (d *Directory) Invalidate() {
	d.mu.Lock()
	d.bySlug = nil
	d.mu.Unlock()
}

// reload reads every store's active custom domain. On a database error the
// old copy is kept (an empty one at first): links then use subdomains, which
// redirect, so nothing breaks.
func (d *Directory) reload() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var rows []struct {
		Slug   string `bun:"slug"`
		Domain string `bun:"custom_domain"`
	}
	err := d.store.pool(ctx).NewRaw(`SELECT slug, custom_domain FROM tenants
		WHERE custom_domain IS NOT NULL AND status = ?`, StatusActive).Scan(ctx, &rows)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.loading = false
	if err != nil && d.bySlug != nil {
		d.loadedAt = d.now().Add(-d.ttl / 2) // try again soon
		return
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.Slug] = r.Domain
	}
	d.bySlug, d.loadedAt = m, d.now()
}
