package app

import (
	"context"
	"net"
	"time"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/reconcile"
	"github.com/claro-market/claro/tenants"
)

// Background starts everything the app does besides answering requests, each
// in its own goroutine until ctx ends. It is the one place loops start: serve
// and dev call it once, on every instance, in every region (the reconciler only in the primary
// region). All of them may run on many instances at once, because each claims its work in the database:
//   - the receipts sender emails the receipts paid orders owe (rows claimed
//     with FOR UPDATE SKIP LOCKED);
//   - the search outbox worker keeps the index in step with the catalog (one
//     pushing leader at a time, by advisory lock);
//   - the sales ledger's applier folds sales into counts and trending scores
//     (one at a time, by advisory lock);
//   - the domain checker verifies custom domains in DNS every minute and,
//     with Certs set, has their certificates obtained before they go active
//     (each domain claimed by one instance); it deletes claims never
//     verified within tenants.PendingTTL (72 hours);
//   - the accounts sweeper deletes expired sessions, hand-off tokens and
//     email links every hour (each lookup checks expiry anyway), and the
//     webhook deliveries older than 30 days the staff console lists;
//   - the change listener (db.Changes: LISTEN on db.CatalogChannel) is the
//     one way this instance's page cache, host cache, TLS policy and
//     custom-domain directory learn of a change; every instance runs its
//     own, since each has its own caches;
//   - the Stripe reconciler (reconcile.Every) writes the orders of completed
//     Checkout Sessions whose webhook never arrived and re-reads stale
//     Connect accounts (one pass at a time, by advisory lock); with regions
//     configured (FLY_REGION) it runs in PRIMARY_REGION only, next to the
//     database it writes, and never against another API base
//     (STRIPE_API_BASE: stripe-mock, which remembers no payment and answers
//     every account restricted, so a pass would switch off the demo stores).
func (a *App) Background(ctx context.Context) {
	go a.Receipts.Run(ctx)
	go a.Worker.Run(ctx) //nolint:errcheck // returns nil when ctx ends
	go a.Sales.Run(ctx)
	go tenants.NewChecker(a.Domains, net.DefaultResolver, tenants.CheckerOptions{
		Target: a.Config.RootHost(),
		Certs:  a.Certs,
		Log:    a.Log, // caches learn of domain changes from the change listener
	}).Run(ctx, time.Minute)
	go accounts.Sweep(ctx, a.DB.Primary, time.Hour, a.Log, map[string]accounts.Sweeper{
		"webhook_deliveries": a.Deliveries.Prune, // older than orders.DeliveryRetention (30 days)
	})
	go a.Changes.Run(ctx) //nolint:errcheck // returns nil when ctx ends
	if a.Config.InPrimaryRegion() && a.Config.StripeAPIBase == "" {
		go a.Reconciler.Run(ctx, reconcile.Every)
	}
}

// Listening is closed once the change listener is in place: from then on
// every committed change reaches this instance's caches.
func (a *App) Listening() <-chan struct{} { return a.Changes.Listening() }
