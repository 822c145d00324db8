// Package app wires Claro together: New builds every store, service and
// handler once, from the configuration and the database, and returns the Fiber
// app. Nothing imports this package; it holds no globals.
package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/checkout"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/app/dashboard"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/app/library"
	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/payouts"
	"github.com/claro-market/claro/app/ratelimit"
	"github.com/claro-market/claro/app/receipts"
	"github.com/claro-market/claro/app/reviews"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/static"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/tenants/edge"
	"github.com/claro-market/claro/views"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
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
	// through the outbox (serve and dev run it).
	Search search.Index
	Worker *search.Worker
	// Sales folds the sales ledger the order service writes into the
	// products' sales counts and trending scores (serve and dev run it).
	Sales *search.Sales
	// Policy says which hosts may have a TLS certificate; Domains holds the
	// stores' custom domains and their verification state.
	Policy  *tenants.Policy
	Domains *tenants.DomainStore
	// Pages caches anonymous pages (nil when cfg.PageCache is off).
	Pages *web.PageCache
	// Receipts emails the receipts paid orders owe (receipts_outbox).
	Receipts *receipts.Sender
	// Payments is the Stripe client; Orders turns webhook events into orders.
	Payments *payments.Client
	Orders   *orders.Service

	listening     chan struct{}
	listeningOnce sync.Once
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
}

// NewWith is New with o applied.
func NewWith(cfg config.Config, database *db.DB, log *slog.Logger, o Overrides) (*App, error) {
	if cfg.IsProduction() && cfg.DevTestPayments {
		return nil, devtools.ErrTestPaymentsInProduction
	}
	secret := cfg.SessionSecret
	if len(secret) == 0 {
		if cfg.IsProduction() {
			return nil, fmt.Errorf("app: SESSION_SECRET is required in production")
		}
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	assets, err := web.NewAssets(static.FS)
	if err != nil {
		return nil, fmt.Errorf("app: static assets: %w", err)
	}
	blobs, err := blob.Open(cfg)
	if err != nil {
		return nil, err
	}
	links := web.Links{Scheme: cfg.Scheme(), Root: cfg.RootDomain,
		Domains: tenants.NewDirectory(tenants.NewStore(database.Replica))}
	engine, err := newEngine(assets, links)
	if err != nil {
		return nil, err
	}
	errs, err := web.NewErrorPages(engine, log)
	if err != nil {
		return nil, fmt.Errorf("app: error pages: %w", err)
	}

	tenantStore := tenants.NewStore(database.Replica)
	resolver := tenants.NewResolver(tenantStore, cfg.RootHost())
	policy := tenants.NewPolicy(tenantStore, cfg.RootHost(), tenants.PolicyOptions{Wildcard: cfg.ACMEDNS != ""})
	f := web.New(web.Options{
		Views:          engine,
		TrustedProxies: cfg.TrustedProxies,
		Production:     cfg.IsProduction(),
		Logger:         log,
		Errors:         errs,
	})

	a := &App{Config: cfg, DB: database, Fiber: f, Resolver: resolver, Errors: errs, Blobs: blobs, Log: log, listening: make(chan struct{}),
		Policy: policy, Domains: tenants.NewDomainStore(database.Primary, cfg.RootHost())}
	// Health checks answer on any host: platform probes do not send a store's Host.
	f.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	f.Get("/readyz", a.ready)

	web.Use(f, log, resolver, errs, cfg.RootPort())
	// In a region that is not the primary, writes go to the primary region.
	f.Use(web.Regional(web.RegionOptions{Region: cfg.FlyRegion, Primary: cfg.PrimaryRegion,
		Forward: cfg.PrimaryForwardURL(), ProxyHeader: cfg.ProxyProtocol}))
	if cfg.FlyRegion != "" || cfg.DatabaseReplicaURL != "" {
		f.Use(web.NewReadYourWrites(database, cfg.RootHost(), cfg.Scheme() == "https").Middleware)
	}
	edge.NewAskHandler(policy).Routes(f)
	f.Get("/static/*", assets.Handler)
	f.Get("/media/*", blob.MediaHandler(blobs))

	limiter := o.Limiter
	if limiter == nil {
		if limiter, err = newLimiter(cfg); err != nil {
			return nil, err
		}
	}
	authLimiter := o.AuthLimiter
	if authLimiter == nil {
		authLimiter = limiter
	}
	users := accounts.NewUsers(database.Primary)
	sessions := accounts.NewSessions(database.Primary)
	auth, err := accounts.NewAuth(users, sessions, authLimiter)
	if err != nil {
		return nil, err
	}
	pages := &web.Pages{Links: links}
	secure := cfg.Scheme() == "https"
	acct := accounts.NewHandlers(auth, sessions, pages, cfg.RootHost(), secure)
	f.Use(web.BodyCaps(dashboard.IsUpload))
	f.Use(acct.Middleware)
	f.Use(web.NewCSRF(secret, secure, "/webhooks/").Middleware)
	if cfg.PageCache {
		a.Pages = web.NewPageCache(5000, 32<<20)
		f.Use(a.Pages.Middleware)
	}
	acct.Routes(f)

	cursors := cursor.NewCodec(secret)
	index, err := newIndex(cfg, database, cursors)
	if err != nil {
		return nil, err
	}
	a.Search, a.Worker = index, search.NewWorker(database.Primary, index, log)
	catalog.NewHandlers(catalog.NewStore(database.Replica), pages, cursors).Routes(f)
	search.NewHandlers(index, catalog.NewStore(database.Replica), pages).Routes(f)
	writes, drafts := reviews.DefaultWrites(), reviews.DefaultDrafts()
	if o.ReviewWrites.Window > 0 {
		writes = o.ReviewWrites
	}
	if o.ReviewDrafts.Window > 0 {
		drafts = o.ReviewDrafts
	}
	reviewHandlers := reviews.NewHandlers(
		reviews.NewService(reviews.NewStore(database)),
		catalog.NewStore(database.Replica), pages, cursors,
		reviews.NewBudget(limiter, writes, drafts))
	switch {
	case o.Drafts != nil:
		reviewHandlers.WithDrafts(reviews.NewDrafter(*o.Drafts))
	case cfg.AIReviewDrafts:
		reviewHandlers.WithDrafts(reviews.NewDrafter(reviews.DraftOptions{
			APIKey: cfg.AnthropicAPIKey, BaseURL: cfg.AnthropicBaseURL, MaxRetries: 2}))
	}
	reviewHandlers.Routes(f)
	pay := payments.New(payments.ConfigFrom(cfg, log))
	cartCookies := cart.NewCookies(cart.NewCodec(secret), secure)
	carts := cart.NewHandlers(cartCookies, cart.NewStore(database.Replica), pages)
	carts.Routes(f)
	checkouts := checkout.NewService(checkout.NewStore(database), cart.NewStore(database.Primary), pay, cfg.PlatformFeeBPS, log)
	checkout.NewHandlers(checkouts, cartCookies, carts, pages).Routes(f)
	a.Receipts, err = receipts.New(cfg, database.Primary, log)
	if err != nil {
		return nil, err
	}
	a.Sales = search.NewSales(database.Primary, log)
	accounts := payouts.NewService(database.Primary, resolver, log)
	orderService := orders.NewService(database.Primary, accounts, log, pay.Livemode()).
		WithSales(a.Sales.Wake).WithReceipts(a.Receipts.Wake)
	a.Payments, a.Orders = pay, orderService
	webhooks := orders.NewHandlers(pay.Webhooks(), orderService, log)
	webhooks.Routes(f)
	if cfg.DevTestPayments {
		testPay, err := devtools.NewTestPayments(cfg, database.Primary, pay.Webhooks(), webhooks)
		if err != nil {
			return nil, err
		}
		devtools.NewTestPaymentHandlers(testPay, pages).Routes(f)
	}
	signer, err := blob.NewSigner(secret, nil)
	if err != nil {
		return nil, err
	}
	library.NewHandlers(library.NewStore(database.Primary), pages, signer).Routes(f)
	web.MarketRoutes(f).Get(blob.DownloadPrefix+":token", blob.DownloadHandler(blobs, signer, func(c *fiber.Ctx) int64 {
		if u := web.CurrentUser(c); u != nil {
			return u.UserID
		}
		return 0
	}))
	dashboard.New(database, resolver, pages, blobs).WithMoney(pay, accounts).WithDomains(a.Domains).Routes(f)

	// Anything no route took is the one 404 page.
	f.Use(func(c *fiber.Ctx) error { return errs.NotFound(c) })
	return a, nil
}

// Background runs what the app does besides answering requests, until ctx
// ends: the receipts sender, the search outbox worker, the sales ledger's
// applier, and the catalog-change listener that keeps every instance's page
// cache and host cache precise.
func (a *App) Background(ctx context.Context) {
	go a.Receipts.Run(ctx)
	go a.Worker.Run(ctx) //nolint:errcheck // returns nil when ctx ends
	go a.Sales.Run(ctx)
	go a.DB.Listen(ctx, db.CatalogChannel, a.Log, func(payload string) { //nolint:errcheck
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
	})
}

// Listening is closed once the catalog-change listener is in place: from
// then on every committed change reaches this instance's caches.
func (a *App) Listening() <-chan struct{} { return a.listening }

// newIndex is Meilisearch when MEILI_URL is set (its settings applied and
// awaited: a failed settings task stops start-up), else PostgreSQL.
func newIndex(cfg config.Config, database *db.DB, cursors *cursor.Codec) (search.Index, error) {
	if cfg.MeiliURL == "" {
		return search.NewPostgres(database.Replica, cursors), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return search.NewMeili(ctx, search.MeiliConfig{URL: cfg.MeiliURL, APIKey: cfg.MeiliAPIKey}, cursors)
}

// newLimiter shares rate-limit counts through Redis when REDIS_URL is set.
func newLimiter(cfg config.Config) (ratelimit.Limiter, error) {
	if cfg.RedisURL == "" {
		return ratelimit.NewMemory(), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return ratelimit.NewRedis(ctx, cfg.RedisURL, "claro:rl:")
}

func (a *App) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
	}
	n, err := a.DB.PendingMigrations(ctx)
	if err != nil || n > 0 {
		return c.Status(fiber.StatusServiceUnavailable).SendString(fmt.Sprintf("migrations pending: %d", n))
	}
	// The search backlog is reported, not fatal: the index catches up.
	if lag, err := a.Worker.Lag(ctx); err == nil {
		msg := "ready\nsearch outbox: " + lag.String()
		if n, err := a.Sales.Pending(ctx); err == nil {
			msg += fmt.Sprintf("\nsales ledger: %d waiting", n)
		}
		return c.SendString(msg)
	}
	return c.SendString("ready")
}

// newEngine loads every template up front with Claro's template functions.
func newEngine(assets *web.Assets, links web.Links) (*html.Engine, error) {
	e := html.NewFileSystem(http.FS(views.FS), ".html")
	e.AddFuncMap(template.FuncMap{
		"asset":      assets.URL,
		"money":      catalog.Money,
		"productURL": links.Product,
		"mediaURL":   func(key string) string { return "/media/" + key },
		"initial": func(s string) string {
			r, _ := utf8.DecodeRuneInString(s)
			return strings.ToUpper(string(r))
		},
		"bytes": HumanBytes,
		"upper": strings.ToUpper,
		"dict":  dict,
	})
	if err := e.Load(); err != nil {
		return nil, fmt.Errorf("app: templates: %w", err)
	}
	return e, nil
}

// dict builds a map from alternating keys and values, so a template can hand
// a partial more than one value.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// HumanBytes formats a size for people: 1.2 MB.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
