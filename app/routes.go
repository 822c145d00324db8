package app

import (
	"strings"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/admin"
	"github.com/claro-market/claro/app/api"
	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/checkout"
	"github.com/claro-market/claro/app/dashboard"
	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/app/library"
	"github.com/claro-market/claro/app/licenses"
	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/reviews"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/tenants/edge"
	"github.com/gofiber/fiber/v2"
)

// stack is what NewWith built for the routes: the pieces of the middleware
// chain that need building, and every area's handlers.
type stack struct {
	assets   *web.Assets
	csrf     *web.CSRF
	download *blob.Signer
	entitled blob.Entitled // a download link is re-checked against the entitlement when redeemed

	accounts       *accounts.Handlers
	catalog        *catalog.Handlers
	search         *search.Handlers
	reviews        *reviews.Handlers
	cart           *cart.Handlers
	checkout       *checkout.Handlers
	webhooks       *orders.Handlers
	testPayments   *devtools.TestPaymentHandlers    // nil unless DEV_TEST_PAYMENTS
	testOnboarding *devtools.TestOnboardingHandlers // nil unless DEV_TEST_PAYMENTS
	testEvents     *devtools.TestEventHandlers      // nil unless DEV_TEST_PAYMENTS
	devMail        *devtools.MailHandlers           // nil unless claro dev without SMTP_URL
	library        *library.Handlers
	dashboard      *dashboard.Handlers
	admin          *admin.Handlers // the staff console: the 404 page for anyone without the platform role
	licenses       *licenses.Handlers
	api            *api.Handlers // the creators' JSON API: authorised by a store's token (Authorization: Bearer)
}

// routes states the whole middleware chain, in the order a request passes
// it, and then every area's routes. Fiber runs middleware and routes in the
// order they are registered, so a line's position is part of its meaning: a
// route registered above a layer never passes through it.
func (a *App) routes(s stack) {
	f, cfg := a.Fiber, a.Config
	region := web.RegionOptions{Region: cfg.FlyRegion, Primary: cfg.PrimaryRegion,
		Forward: cfg.PrimaryForwardURL(), ProxyHeader: cfg.ProxyProtocol}

	// Probes answer on any Host and touch no middleware: platform health
	// checks send no store's Host, and must not be refused by the tenant
	// lookup or counted in the access log.
	f.Get("/healthz", live)
	f.Get("/readyz", a.ready)
	// No /metrics here: it is served on METRICS_ADDR's own listener only
	// (main.go), so the public app answers /metrics with its 404 page.

	routes := web.NewRouteTable() // filled below, once every route is registered
	if a.Pages != nil {
		a.Pages.Routes = routes
	}
	rw := web.NewReadYourWrites(a.DB, cfg.RootHost(), cfg.Scheme() == "https")
	replicated := cfg.FlyRegion != "" || cfg.DatabaseReplicaURL != ""

	f.Use(web.RequestRecord(web.ParseProxies(cfg.TrustedProxies))) // first: the client address (X-Forwarded-For walked from the right past TRUSTED_PROXIES only) every limit and log line uses, the host, and the request id every later log line and error page quotes
	f.Use(web.Recover(a.Log))                                      // a panic anywhere below becomes the 500 page, logged with its id
	f.Use(a.Metrics.Requests(routes))                              // above the access log, whose error pages set the final status: every answer's duration by route pattern, never by address
	f.Use(web.AccessLog(a.Log, cfg.HitLogSample))                  // outside tenant resolution, so refused hosts are logged too; page-cache hits sampled (LOG_HIT_SAMPLE)
	f.Use(web.SecurityHeaders(web.SecurityOptions{Scheme: cfg.Scheme(), Root: cfg.RootDomain, HSTS: cfg.IsProduction(),
		StyleHashes: a.Errors.StyleHashes()})) // CSP, nosniff, referrer, HSTS set before anything answers: unknown hosts' 404, error pages and cache replays carry them
	if a.Pages != nil {
		f.Use(a.Pages.Early(a.Resolver.Peek, append(s.accounts.CookieNames(), web.LSNCookie)...)) // a cached page for a visitor with no session: answered here, past nothing it needs
	}
	f.Use(web.CleanQuery)                   // a NUL or invalid UTF-8 in the path or query is a 400, before anything reads a parameter
	f.Use(web.Deadline(cfg.RequestTimeout)) // before the first query (the host lookup): no wait below outlives REQUEST_TIMEOUT, and one that would is the 503 "busy" page
	if replicated {
		f.Use(rw.Reads) // before the host lookup, which reads the replica too: a writer's request reads the primary
	}
	f.Use(web.Tenant(a.Resolver, a.Errors, cfg.RootPort())) // Host -> site (or 404, or www's 301); below here web.Site(c) holds
	f.Use(web.Regional(region))                             // writes outside the primary region go there; after tenant, so unknown hosts never cross the ocean
	if replicated {
		f.Use(rw.Records) // after Regional: a write forwarded to the primary region records its position there
	}
	f.Use(web.SyncCaches(a.Changes, changesCaches)) // a dashboard or Connect write answers once this instance's caches heard of it

	// Routes before the body cap, the session and CSRF, on purpose: they
	// read no body, no session and no form, and must set no cookie.
	web.MarketRoutes(f).Get("/internal/tls/allowed", edge.Ask(a.Policy)) // Caddy's on-demand TLS ask: cookie-free, marketplace host only
	f.Get("/static/*", s.assets.Handler)                                 // fingerprinted assets, cached for a year by anyone
	f.Get("/favicon.ico", s.assets.Favicon)                              // every host's icon, whatever page asks
	f.Get("/media/*", blob.MediaHandler(a.Blobs))                        // public product images, cacheable by anyone

	f.Use(s.accounts.Middleware)     // the session (cookie only, no body): who is signed in (web.CurrentUser), before CSRF binds tokens to it
	f.Use(web.BodyCaps(uploadLimit)) // before anything reads the body: a signed-in creator's (or a token's) upload may be large and multipart, anything else is a small form
	f.Use(web.CleanForm)             // CleanQuery for a urlencoded body: after the cap, before CSRF reads the form
	f.Use(s.csrf.Middleware)         // every unsafe method comes from this host (Fetch Metadata, Origin), a signed-in one with its session's token; webhooks are signed instead
	f.Use(web.Compress)              // brotli or gzip for what is rendered now; a cached page's stored gzip passes untouched
	if a.Pages != nil {
		f.Use(a.Pages.Middleware) // last: serves and stores only anonymous pages, which carry no token: the same bytes for everyone
	}

	s.accounts.Routes(f)
	s.catalog.Routes(f)
	s.search.Routes(f)
	s.reviews.Routes(f)
	s.cart.Routes(f)
	s.checkout.Routes(f)
	s.webhooks.Routes(f)
	s.licenses.Routes(f) // the public license API: JSON, authorised by the key it carries (CSRF exempts /api/)
	s.api.Routes(f)      // the creators' API: JSON, authorised by a store's token; every refusal (and the 404) in the API's JSON shape
	if s.testPayments != nil {
		s.testPayments.Routes(f)
		s.testOnboarding.Routes(f)
		s.testEvents.Routes(f)
	}
	if s.devMail != nil {
		s.devMail.Routes(f)
	}
	s.library.Routes(f)
	s.licenses.LibraryRoutes(f) // a buyer frees one of their key's activations
	web.MarketRoutes(f).Get(blob.DownloadPrefix+":token", blob.DownloadHandler(a.Blobs, s.download, signedInUser, s.entitled))
	s.dashboard.Routes(f)
	s.admin.Routes(f)

	// Anything no route took is the one 404 page.
	f.Use(func(c *fiber.Ctx) error { return a.Errors.NotFound(c) })
	routes.Load(f)
}

// uploadLimit is web.BodyCaps' cap of a request that may carry an upload:
// the dashboard's (a signed-in creator's files and images) or the API's (a
// file sent with a token); 0 for every other request.
func uploadLimit(c *fiber.Ctx) int {
	if n := dashboard.UploadLimit(c); n > 0 {
		return n
	}
	return api.UploadLimit(c)
}

// signedInUser is the downloader's user id, 0 for a visitor: a download link
// is signed for one buyer.
func signedInUser(c *fiber.Ctx) int64 {
	if u := web.CurrentUser(c); u != nil {
		return u.UserID
	}
	return 0
}

// changesCaches says which writes change what the caches hold (a store, its
// products, its domain, whether it can take payments), so their answer waits
// for this instance's caches to hear of the change: the dashboard and
// Connect's account events (and the dev test-onboarding page, which delivers
// one), and the staff console (a suspended store, a product taken down).
// The API's product writes are the dashboard's, so they wait alike.
// Carts, checkouts and sign-ins change nothing cached and never wait.
func changesCaches(path string) bool {
	return strings.HasPrefix(path, "/dashboard/") || path == "/webhooks/stripe/connect" || strings.HasPrefix(path, "/dev/onboard/") ||
		strings.HasPrefix(path, "/admin/") || strings.HasPrefix(path, "/api/v1/products")
}
