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
// at most) and reloads them after Invalidate, which the change listener
// (db.Changes) calls when a store changes.
type Directory struct {
	store *Store
	retry time.Duration // after a failed reload, how soon to try again
	now   func() time.Time

	mu       sync.Mutex
	bySlug   map[string]string
	failedAt time.Time // when the last reload failed; zero after a good one
	loading  bool
}

// NewDirectory returns a directory over store (the replica is fine: a domain
// that just went active is linked to once the replica has it; until then its
// subdomain answers 301 to it anyway).
func NewDirectory(store *Store) *Directory {
	return &Directory{store: store, retry: 15 * time.Second, now: time.Now}
}

// CustomDomain returns the active custom domain of the store with slug, or ""
// when it is served on its subdomain only. The first call after start-up or
// Invalidate loads the table; later calls answer from memory (after a failed
// load they retry in the background), so a page render rarely waits on the
// database.
func (d *Directory) CustomDomain(slug string) string {
	d.mu.Lock()
	if d.bySlug == nil {
		d.mu.Unlock()
		d.reload()
		d.mu.Lock()
	} else if !d.loading && !d.failedAt.IsZero() && d.now().Sub(d.failedAt) > d.retry {
		d.loading = true
		go d.reload()
	}
	host := d.bySlug[slug]
	d.mu.Unlock()
	return host
}

// Invalidate makes the next lookup reload before it answers.
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
	if err != nil {
		d.failedAt = d.now()
		if d.bySlug == nil {
			d.bySlug = map[string]string{}
		}
		return
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.Slug] = r.Domain
	}
	d.bySlug, d.failedAt = m, time.Time{}
}
