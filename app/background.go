package app

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/tenants"
)

// Background starts everything the app does besides answering requests, each
// in its own goroutine until ctx ends. It is the one place loops start: serve
// and dev call it once, on every instance, in every region. All of them may
// run on many instances at once, because each claims its work in the database:
//   - the receipts sender emails the receipts paid orders owe (rows claimed
//     with FOR UPDATE SKIP LOCKED);
//   - the search outbox worker keeps the index in step with the catalog (one
//     pushing leader at a time, by advisory lock);
//   - the sales ledger's applier folds sales into counts and trending scores
//     (one at a time, by advisory lock);
//   - the domain checker verifies custom domains in DNS every minute and,
//     with Certs set, has their certificates obtained before they go active
//     (each domain claimed by one instance);
//   - the catalog-change listener (LISTEN on db.CatalogChannel) keeps this
//     instance's page cache, host cache and TLS policy precise; every
//     instance runs its own, since each has its own caches.
func (a *App) Background(ctx context.Context) {
	go a.Receipts.Run(ctx)
	go a.Worker.Run(ctx) //nolint:errcheck // returns nil when ctx ends
	go a.Sales.Run(ctx)
	go tenants.NewChecker(a.Domains, net.DefaultResolver, tenants.CheckerOptions{
		Target:   a.Config.RootHost(),
		Certs:    a.Certs,
		OnChange: func(id int64) { a.Resolver.Invalidate(id); a.Policy.Invalidate() },
		Log:      a.Log,
	}).Run(ctx, time.Minute)
	go a.DB.Listen(ctx, db.CatalogChannel, a.Log, a.onCatalogChange) //nolint:errcheck // returns nil when ctx ends
}

// onCatalogChange drops what a committed catalog change made stale: payload
// is the changed store's id, or "" when anything may have changed (the
// listener has just (re)connected, so from now on nothing is missed).
func (a *App) onCatalogChange(payload string) {
	if payload == "" {
		a.listeningOnce.Do(func() { close(a.listening) })
	}
	if a.Pages != nil {
		a.Pages.OnCatalogChange(payload)
	}
	if id, err := strconv.ParseInt(payload, 10, 64); err == nil && id > 0 {
		a.Resolver.Invalidate(id)
	} else {
		a.Resolver.InvalidateAll()
	}
	a.Policy.Invalidate()
}

// Listening is closed once the catalog-change listener is in place: from
// then on every committed change reaches this instance's caches.
func (a *App) Listening() <-chan struct{} { return a.listening }
