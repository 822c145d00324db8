// Package app wires Claro together: New builds every store, service and
// handler once, from the configuration and the database, and returns the Fiber
// app. Nothing imports this package; it holds no globals. routes.go states the
// middleware chain and mounts each area's routes; templates.go is the template
// engine; background.go starts the loops; health.go answers the probes.
package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/admin"
	"github.com/claro-market/claro/app/api"
	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/checkout"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/app/dashboard"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/app/discounts"
	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/app/library"
	"github.com/claro-market/claro/app/licenses"
	"github.com/claro-market/claro/app/metrics"
	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/payouts"
	"github.com/claro-market/claro/app/ratelimit"
	"github.com/claro-market/claro/app/receipts"
	"github.com/claro-market/claro/app/reconcile"
	"github.com/claro-market/claro/app/reviews"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// App is the running product: the HTTP app and what it was built from.
type App struct {
	Config   config.Config
	DB       *db.DB
	Fiber    *fiber.App
	Resolver *tenants.Resolver
	Errors   *web.ErrorPages
	Blobs    blob.Store
	Log      *slog.Logger
	// Search is the discovery index; Worker keeps it in step with the catalog
	// through the outbox (Background runs it).
	Search search.Index
	Worker *search.Worker
	// Sales folds the sales ledger the order service writes into the
	// products' sales counts and trending scores (Background runs it).
	Sales *catalog.Sales
	// Policy says which hosts may have a TLS certificate; Domains holds the
	// stores' custom domains and their verification state.
	Policy  *tenants.Policy
	Domains *tenants.DomainStore
	// Certs, when the app terminates TLS itself, obtains a verified custom
	// domain's certificate before the domain checker lets it go active. Set
	// it before Background; nil means Caddy in front, and domains go active
	// once verified.
	Certs tenants.CertObtainer
	// Pages caches anonymous pages (nil when cfg.PageCache is off).
	Pages *web.PageCache
	// Receipts emails the receipts paid orders owe (receipts_outbox).
	Receipts *receipts.Sender
	// Mailbox, outside production, keeps the last messages the app sent
	// (receipts and account links): `claro dev` shows them on /dev/mail,
	// and tests follow the links in them. Nil in production.
	Mailbox *receipts.Mailbox
	// Payments is the Stripe client; Orders turns webhook events into orders.
	Payments *payments.Client
	Orders   *orders.Service
	// Licenses issues license keys and answers their activation API.
	Licenses *licenses.Keys
	// Hooks writes the stores' outbound webhook events in their causes'
	// transactions; HookWorker delivers them, signed (Background runs it).
	Hooks      *hooks.Hooks
	HookWorker *hooks.Worker
	// Deliveries keeps the recent webhook deliveries and their outcomes
	// (the staff console's list; pruned by Background's sweep).
	Deliveries *orders.Deliveries
	// Payouts keeps each store's Stripe Connect account state.
	Payouts *payouts.Service
	// Reconciler mends what lost webhooks left undone: orders for completed
	// Checkout Sessions, stale Connect accounts (`claro reconcile`, and
	// Background on the primary region).
	Reconciler *reconcile.Reconciler
	// Changes is the one way the caches above (pages, hosts, TLS answers,
	// custom-domain links) learn of a change: the catalog_changed listener.
	Changes *db.Changes
	// Metrics is the Prometheus registry; main.go serves it on METRICS_ADDR,
	// a listener of its own (never the public app's).
	Metrics *metrics.Metrics

	loops loops // what Background started, for Shutdown to wait on
}

// New builds the app on an open database. It fails when a template does not
// parse or a static asset cannot be read, so a broken build never serves.
func New(cfg config.Config, database *db.DB, log *slog.Logger) (*App, error) {
	return NewWith(cfg, database, log, Overrides{})
}

// Overrides replaces parts New would otherwise build from the configuration;
// the zero value changes nothing. Tests use it to choose rate limiters,
// review limits and the review-draft client, and still run on New's wiring.
type Overrides struct {
	// Limiter counts every rate limit (default: Redis at REDIS_URL, else
	// in memory).
	Limiter ratelimit.Limiter
	// AuthLimiter counts sign-in and sign-up attempts (default: Limiter).
	AuthLimiter ratelimit.Limiter
	// ReviewWrites and ReviewDrafts replace the reviews' default limits
	// when their Window is set.
	ReviewWrites, ReviewDrafts reviews.Limit
	// Drafts, when set, turns AI review drafts on with these options.
	Drafts *reviews.DraftOptions
	// Invitations, when set, hears of every store invitation sent, with
	// its token (dashboard.InvitationHook; nothing sends them by email yet).
	Invitations dashboard.InvitationHook
}

// NewWith is New with o applied: every store and service built once, in
// dependency order, then handed to routes.
func NewWith(cfg config.Config, database *db.DB, log *slog.Logger, o Overrides) (*App, error) {
	secret, err := sessionSecret(cfg)
	if err != nil {
		return nil, err
	}
	blobs, err := blob.Open(cfg)
	if err != nil {
		return nil, err
	}
	signer, err := blob.NewSigner(secret, nil)
	if err != nil {
		return nil, err
	}
	directory := tenants.NewDirectory(tenants.NewReadStore(database))
	links := web.Links{Scheme: cfg.Scheme(), Root: cfg.RootDomain, Domains: directory}
	assets, f, errs, err := newWeb(cfg, log, links)
	if err != nil {
		return nil, err
	}
	m := metrics.New(log)
	limiter, authLimiter, err := newLimiters(cfg, o, log, m)
	if err != nil {
		return nil, err
	}
	cursors := cursor.NewCodec(secret)
	index, err := newIndex(cfg, database, cursors)
	if err != nil {
		return nil, err
	}
	tenantStore := tenants.NewReadStore(database)
	a := &App{Config: cfg, DB: database, Fiber: f, Errors: errs, Blobs: blobs, Log: log, Changes: db.NewChanges(database, log),
		Resolver: tenants.NewResolver(tenantStore, cfg.RootHost()),
		Policy:   tenants.NewPolicy(tenantStore, cfg.RootHost(), tenants.PolicyOptions{Wildcard: cfg.ACMEDNS != ""}),
		Domains:  tenants.NewDomainStore(database.Primary, cfg.RootHost()),
		Search:   index, Worker: search.NewWorker(database.Primary, index, log),
		Sales:    catalog.NewSales(database.Primary, log),
		Payments: payments.New(payments.ConfigFrom(cfg, log)),
		Payouts:  payouts.NewService(database.Primary, log),
	}
	tokens := accounts.NewTokens(database.Primary)
	mail, err := a.newMail(authLimiter, tokens, links.Market())
	if err != nil {
		return nil, err
	}
	a.Metrics = m
	a.Orders = orders.NewService(database.Primary, a.Payouts, log, a.Payments.Livemode()).
		WithSales(a.Sales.Wake).WithReceipts(a.Receipts.Wake).WithObserver(a.Metrics)
	// License keys are issued with the order and disabled with its refund
	// or dispute, in the webhook's transaction.
	a.Licenses = licenses.NewKeys(database.Primary, secret)
	a.Orders.OnPaid(a.Licenses.Issue).OnAdjusted(a.Licenses.Disable)
	// A store's outbound webhooks for sales, refunds and disputes are
	// written in the same transactions (the outbox); in production the
	// worker dials public addresses only.
	a.Hooks = hooks.New(database.Primary, secret)
	a.HookWorker = a.Hooks.Worker(hooks.Options{Guard: cfg.IsProduction()}, log)
	a.Orders.OnPaid(a.Hooks.Sale).OnAdjusted(a.Hooks.Adjusted)
	// A discount code's hold becomes a redemption when its order is paid,
	// in the same transaction.
	a.Orders.OnPaid(discounts.Redeem)
	a.Reconciler = reconcile.New(database.Primary, a.Payments, a.Orders, a.Payouts, log, a.Metrics.Reconciled)
	a.listen(directory)
	a.measure()

	sessions, users := accounts.NewSessions(database.Primary), accounts.NewUsers(database.Primary)
	auth, err := accounts.NewAuth(users, sessions, authLimiter)
	if err != nil {
		return nil, err
	}
	purchases := library.NewStore(database.Primary)
	auth.WithEmail(mail, purchases.Claim, log)
	pages, secure := &web.Pages{Links: links}, cfg.Scheme() == "https"
	cartCookies := cart.NewCookies(cart.NewCodec(secret), secure).WithIndex(cart.NewIndexCodec(secret), cfg.RootHost())
	carts := cart.NewHandlers(cartCookies, cart.NewReadStore(database).WithBatching(log), pages).WithOwned(purchases.Owns).WithLimits(limiter)
	checkouts := checkout.NewService(checkout.NewStore(database), cart.NewStore(database.Primary), a.Payments, cfg.PlatformFeeBPS, log)
	a.Deliveries = orders.NewDeliveries(database.Primary, log)
	webhooks := orders.NewHandlers(a.Payments.Webhooks(), a.Orders, log).WithObserver(a.Metrics).WithDeliveries(a.Deliveries)
	apiTokens := apitokens.New(database)
	r := stack{
		assets: assets, csrf: web.NewCSRF(secret, "/webhooks/", "/api/"), download: signer,
		accounts: accounts.NewHandlers(auth, sessions, pages, cfg.RootHost(), secure),
		catalog:  catalog.NewHandlers(catalog.NewReadStore(database), pages, cursors).WithOwned(purchases.Owns),
		search:   search.NewHandlers(index, catalog.NewReadStore(database), pages),
		reviews:  newReviews(cfg, o, database, limiter, pages, cursors),
		cart:     carts, checkout: checkout.NewHandlers(checkouts, cartCookies, carts, pages).WithDownloads(purchases), webhooks: webhooks,
		library: library.NewHandlers(purchases, pages, signer).WithClaims(tokens, users).WithLicenseKeys(a.Licenses.Held), entitled: purchases.EntitledToFile,
		dashboard: dashboard.New(database, pages, blobs).WithMoney(a.Payments, a.Payouts).WithDomains(a.Domains).WithLicenses(a.Licenses).WithHooks(a.Hooks, cfg.IsProduction()).
			WithAPITokens(apiTokens).
			OnInvitation(invitationMail(o.Invitations, mail, log)),
		admin:    newAdmin(a, pages),
		licenses: licenses.NewHandlers(a.Licenses, limiter),
		api: api.New(database, apiTokens, catalog.NewEditor(database, blobs), a.Licenses, cursors, limiter, log).
			WithRefunds(a.Payments, nil),
	}
	if err := a.devPages(&r, pages, webhooks); err != nil {
		return nil, err
	}
	a.routes(r)
	return a, nil
}

// newAdmin is the staff console over the primary, with the reconciler, the
// receipts sender and the webhook deliveries its actions use.
func newAdmin(a *App, pages *web.Pages) *admin.Handlers {
	store := admin.NewStore(a.DB.Primary)
	return admin.NewHandlers(store, admin.NewService(store, a.Reconciler, a.Receipts, a.Deliveries), pages)
}

// measure registers the scrape-time collectors: the database pools, the
// queues the background loops drain, the page cache and readiness.
// (The webhook observer is wired above; requests by routes.go; ACME events
// and certificate expiry by main.go, which builds the TLS edge.)
func (a *App) measure() {
	a.Metrics.DB("primary", a.DB.Primary.DB)
	if a.DB.Replica != a.DB.Primary {
		a.Metrics.DB("replica", a.DB.Replica.DB)
	}
	a.Metrics.Queues(map[string]metrics.BacklogFunc{
		"search_outbox": func(ctx context.Context) (metrics.Backlog, error) {
			lag, err := a.Worker.Lag(ctx)
			return metrics.Backlog{Pending: lag.Pending, Oldest: lag.Oldest}, err
		},
		"sales_ledger": func(ctx context.Context) (metrics.Backlog, error) {
			n, oldest, err := a.Sales.Backlog(ctx)
			return metrics.Backlog{Pending: n, Oldest: oldest}, err
		},
		"receipts_outbox": func(ctx context.Context) (metrics.Backlog, error) {
			n, oldest, err := a.Receipts.Backlog(ctx)
			return metrics.Backlog{Pending: n, Oldest: oldest}, err
		},
		"hook_deliveries": func(ctx context.Context) (metrics.Backlog, error) {
			n, oldest, err := a.HookWorker.Backlog(ctx)
			return metrics.Backlog{Pending: n, Oldest: oldest}, err
		},
	})
	if a.Pages != nil {
		a.Metrics.PageCache(a.Pages)
	}
	a.Metrics.Ready(a.readiness)
}

// newMail sets up the app's mail: a mailbox outside production (what
// /dev/mail shows), the transport account mail goes through (SMTP_URL, else
// the log) and the receipts sender, whose guest receipts carry the account
// mailer's claim links. It returns the account mailer.
func (a *App) newMail(limits ratelimit.Limiter, tokens *accounts.Tokens, market string) (*accounts.Mail, error) {
	if !a.Config.IsProduction() {
		a.Mailbox = receipts.NewMailbox()
	}
	from := "Claro <accounts@" + a.Config.RootHost() + ">"
	transport, err := receipts.Transport(a.Config, from, a.Log, a.Mailbox)
	if err != nil {
		return nil, err
	}
	mail := accounts.NewMail(transport, limits, tokens, from, market, a.Log)
	a.Receipts, err = receipts.NewWith(a.Config, a.DB.Primary, a.Log, receipts.Options{Box: a.Mailbox, Claims: mail})
	return mail, err
}

// listen has every cache this instance keeps hear of changes through the one
// change listener: host lookups, TLS answers, custom-domain links and pages.
func (a *App) listen(directory *tenants.Directory) {
	a.Changes.OnChange(a.Resolver.Invalidate)
	a.Changes.OnChange(a.Policy.Invalidate)
	a.Changes.OnChange(func(int64) { directory.Invalidate() })
	if a.Config.PageCache {
		a.Pages = web.NewPageCache(5000, 32<<20)
		a.Changes.OnChange(a.Pages.OnChange)
		a.Changes.OnCounters(a.Pages.OnCounters)
	}
}

// devPages mounts claro dev's stand-ins for what stripe-mock never does and
// for an inbox: the test payment and onboarding pages and the refund and
// dispute events (DEV_TEST_PAYMENTS), and /dev/mail (DEV_MAILBOX). Each
// constructor refuses production.
func (a *App) devPages(r *stack, pages *web.Pages, webhooks *orders.Handlers) error {
	cfg, primary, signer := a.Config, a.DB.Primary, a.Payments.Webhooks()
	switch {
	case cfg.IsProduction() && cfg.DevTestPayments:
		return devtools.ErrTestPaymentsInProduction
	case cfg.IsProduction() && cfg.DevMailbox:
		return devtools.ErrMailboxInProduction
	}
	if cfg.DevTestPayments {
		testPay, err := devtools.NewTestPayments(cfg, primary, signer, webhooks)
		if err != nil {
			return err
		}
		onboard, err := devtools.NewTestOnboarding(cfg, primary, signer, webhooks)
		if err != nil {
			return err
		}
		events, err := devtools.NewTestEvents(cfg, primary, signer, webhooks)
		if err != nil {
			return err
		}
		r.testPayments = devtools.NewTestPaymentHandlers(testPay, pages)
		r.testOnboarding = devtools.NewTestOnboardingHandlers(onboard, pages)
		r.testEvents = devtools.NewTestEventHandlers(events, pages)
		r.dashboard.WithDevEvents(events)
		r.api.WithRefunds(a.Payments, events.Refunded)
	}
	if cfg.DevMailbox && a.Mailbox != nil {
		r.devMail = devtools.NewMailHandlers(a.Mailbox, pages)
	}
	return nil
}

// invitationMail is the dashboard's invitation hook: an override (tests),
// else an email to the invitee, sent after the owner's request has its
// answer (a slow mail server never holds the page) and logged if it fails.
func invitationMail(override dashboard.InvitationHook, mail *accounts.Mail, log *slog.Logger) dashboard.InvitationHook {
	if override != nil {
		return override
	}
	return func(ctx context.Context, inv tenants.Invitation, _ string) {
		ctx = context.WithoutCancel(ctx)
		go func() {
			if err := mail.Invitation(ctx, inv.Email, inv.StoreName, inv.InviterName, inv.Role, inv.ExpiresAt); err != nil {
				log.Warn("invitation mail not sent", "invitation", inv.ID, "err", err)
			}
		}()
	}
}

// sessionSecret is SESSION_SECRET, or outside production a random one (every
// session, cart and cursor then ends with the process).
func sessionSecret(cfg config.Config) ([]byte, error) {
	if len(cfg.SessionSecret) > 0 {
		return cfg.SessionSecret, nil
	}
	if cfg.IsProduction() {
		return nil, fmt.Errorf("app: SESSION_SECRET is required in production")
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return secret, nil
}

// newLimiters is o's limiters, else one shared through Redis when REDIS_URL
// is set (in memory otherwise), sign-in and sign-up counting on the same one.
func newLimiters(cfg config.Config, o Overrides, log *slog.Logger, m *metrics.Metrics) (limiter, auth ratelimit.Limiter, err error) {
	limiter = o.Limiter
	if limiter == nil {
		if limiter, err = newLimiter(cfg, log, m); err != nil {
			return nil, nil, err
		}
	}
	if auth = o.AuthLimiter; auth == nil {
		auth = limiter
	}
	return limiter, auth, nil
}

// newLimiter shares rate-limit counts through Redis when REDIS_URL is set,
// counting in memory while Redis fails (logged once per outage, and counted
// in m's claro_ratelimit_fallbacks_total). Redis must answer at start-up.
func newLimiter(cfg config.Config, log *slog.Logger, m *metrics.Metrics) (ratelimit.Limiter, error) {
	if cfg.RedisURL == "" {
		return ratelimit.NewMemory(), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := ratelimit.NewRedis(ctx, cfg.RedisURL, "claro:rl:")
	if err != nil {
		return nil, err
	}
	f := ratelimit.NewFallback(r, log)
	f.OnFallback = m.RateLimitFallback
	return f, nil
}

// newIndex is Meilisearch when MEILI_URL is set (its settings applied and
// awaited: a failed settings task stops start-up), else PostgreSQL.
func newIndex(cfg config.Config, database *db.DB, cursors *cursor.Codec) (search.Index, error) {
	if cfg.MeiliURL == "" {
		return search.NewPostgres(database, cursors), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return search.NewMeili(ctx, search.MeiliConfig{URL: cfg.MeiliURL, APIKey: cfg.MeiliAPIKey}, cursors)
}

// newReviews is the reviews area with its write and draft budgets (o's when
// set) and, when o or AI_REVIEW_DRAFTS asks for it, the AI draft client.
func newReviews(cfg config.Config, o Overrides, database *db.DB, limiter ratelimit.Limiter, pages *web.Pages, cursors *cursor.Codec) *reviews.Handlers {
	writes, drafts := reviews.DefaultWrites(), reviews.DefaultDrafts()
	if o.ReviewWrites.Window > 0 {
		writes = o.ReviewWrites
	}
	if o.ReviewDrafts.Window > 0 {
		drafts = o.ReviewDrafts
	}
	h := reviews.NewHandlers(reviews.NewService(reviews.NewStore(database)),
		catalog.NewReadStore(database), pages, cursors, reviews.NewBudget(limiter, writes, drafts))
	switch {
	case o.Drafts != nil:
		h.WithDrafts(reviews.NewDrafter(*o.Drafts))
	case cfg.AIReviewDrafts:
		h.WithDrafts(reviews.NewDrafter(reviews.DraftOptions{
			APIKey: cfg.AnthropicAPIKey, BaseURL: cfg.AnthropicBaseURL, MaxRetries: 2}))
	}
	return h
}
