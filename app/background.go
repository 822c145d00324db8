package app

import (
	"context"
	"net"
	"slices"
	"sync"
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
//   - the webhook worker delivers the stores' outbound webhooks, signed,
//     with retries (deliveries claimed with FOR UPDATE SKIP LOCKED; woken
//     by LISTEN hook_deliveries at each outbox write's commit);
//   - the search outbox worker keeps the index in step with the catalog (one
//     pushing leader at a time, by advisory lock);
//   - the sales ledger's applier folds sales into counts and trending scores
//     (one at a time, by advisory lock);
//   - the domain checker verifies custom domains in DNS every minute and,
//     with Certs set, has their certificates obtained before they go active
//     (each domain claimed by one instance); it deletes claims never
//     verified within tenants.PendingTTL (72 hours);
//   - the accounts sweeper deletes expired sessions, hand-off tokens and
//     email links every hour (each lookup checks expiry anyway), the
//     webhook deliveries older than 30 days the staff console lists, and
//     the stores' outbound webhook events and logs older than 30 days;
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
	a.loops.Go("receipts", func() { a.Receipts.Run(ctx) })
	a.loops.Go("webhooks", func() { a.HookWorker.Run(ctx) })
	a.loops.Go("search outbox", func() { _ = a.Worker.Run(ctx) }) // returns nil when ctx ends
	a.loops.Go("sales ledger", func() { a.Sales.Run(ctx) })
	checker := a.DomainChecker(net.DefaultResolver)
	a.loops.Go("domain checker", func() { checker.Run(ctx, time.Minute) })
	a.loops.Go("accounts sweeper", func() {
		accounts.Sweep(ctx, a.DB.Primary, time.Hour, a.Log, map[string]accounts.Sweeper{
			"webhook_deliveries": a.Deliveries.Prune, // older than orders.DeliveryRetention (30 days)
			"hook_events":        a.Hooks.Prune,      // outbound webhooks older than hooks.Retention (30 days), with their log
		})
	})
	a.loops.Go("change listener", func() { _ = a.Changes.Run(ctx) }) // returns nil when ctx ends
	if a.Config.InPrimaryRegion() && a.Config.StripeAPIBase == "" {
		a.loops.Go("reconciler", func() { a.Reconciler.Run(ctx, reconcile.Every) })
	}
}

// Shutdown ends a serving instance within SHUTDOWN_TIMEOUT, once the ctx
// given to Background has ended: stop (the listeners' own shutdown) stops
// accepting and waits for the requests in flight, webhook writes among them;
// then the background loops, which have seen ctx end, finish what they
// hold. Whatever is still running at the deadline is logged by name and
// abandoned: the platform kills the process soon after (fly.toml's
// kill_timeout), and a drain that ends without a word hides what was cut.
func (a *App) Shutdown(stop func(context.Context) error) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	err := stop(ctx)
	// Read before the loops' wait: these requests' connections are cut
	// when the process exits.
	inFlight := a.Metrics.InFlight()
	if err != nil || inFlight > 0 {
		a.Log.Warn("shutdown: drain deadline passed; cutting the requests still in flight",
			"in_flight", inFlight, "drain", a.Config.ShutdownTimeout, "err", err)
	}
	if still := a.loops.Wait(ctx); len(still) > 0 {
		a.Log.Warn("shutdown: background loops still running at the deadline; abandoned", "loops", still)
	}
	a.Log.Info("shutdown: done", "took", time.Since(start).Round(time.Millisecond), "cut", inFlight)
	return nil
}

// loops tracks the goroutines Background starts, by name, so Shutdown can
// wait for them and say which did not finish.
type loops struct {
	wg      sync.WaitGroup
	mu      sync.Mutex
	running map[string]int
}

// Go runs fn in a goroutine of its own, counted under name until it returns.
func (l *loops) Go(name string, fn func()) {
	l.mu.Lock()
	if l.running == nil {
		l.running = map[string]int{}
	}
	l.running[name]++
	l.mu.Unlock()
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer func() {
			l.mu.Lock()
			if l.running[name]--; l.running[name] == 0 {
				delete(l.running, name)
			}
			l.mu.Unlock()
		}()
		fn()
	}()
}

// Wait waits until every loop has returned or ctx ends, and returns the
// names of those still running, sorted.
func (l *loops) Wait(ctx context.Context) []string {
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	still := make([]string, 0, len(l.running))
	for name := range l.running {
		still = append(still, name)
	}
	slices.Sort(still)
	return still
}

// DomainChecker is the custom-domain checker Background runs, asking dns
// (the machine's resolver there; a test's DNS server in tests).
func (a *App) DomainChecker(dns tenants.DNS) *tenants.Checker {
	return tenants.NewChecker(a.Domains, dns, tenants.CheckerOptions{
		Target: a.Config.RootHost(),
		Certs:  a.Certs,
		Log:    a.Log, // caches learn of domain changes from the change listener
	})
}

// Listening is closed once the change listener is in place: from then on
// every committed change reaches this instance's caches.
func (a *App) Listening() <-chan struct{} { return a.Changes.Listening() }
