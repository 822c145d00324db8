// Command claro is the whole of Claro in one binary: `claro dev` for a first
// look on one machine, `claro serve` in production, and the operator commands
// migrate and seed. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/admin"
	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/app/metrics"
	"github.com/claro-market/claro/app/reconcile"
	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/tenants/edge"
)

const usage = `usage: claro <command>

commands:
  dev                      the whole product on this machine (private PostgreSQL, demo data)
  serve                    the production server
  migrate up|down|status   schema migrations
  seed --demo              demo creators, products and buyers
  seed --scale N           a large catalog (N products, N/100 stores) for load tests
  reindex                  rebuild the discovery index (Meilisearch: build, then swap)
  reconcile                one Stripe reconciliation pass: orders for lost webhooks, stale accounts
  admin grant|revoke EMAIL give or take away the platform staff role (the console on /admin)
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch args[0] {
	case "dev":
		err = dev(ctx, stdout)
	case "serve":
		err = serve(ctx)
	case "migrate":
		err = migrateCmd(ctx, args[1:], stdout)
	case "seed":
		err = seedCmd(ctx, args[1:], stdout)
	case "reindex":
		err = reindexCmd(ctx, stdout)
	case "reconcile":
		err = reconcileCmd(ctx, stdout, stderr)
	case "admin":
		err = adminCmd(ctx, args[1:], stdout)
	case "test-database": // hidden: the Makefile's test target asks it
		err = testDatabaseCmd(ctx, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "claro: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "claro:", err)
		return 1
	}
	return 0
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if cfg.IsProduction() {
		return web.NewJSONLogger(w) // slog's JSON handler, and the access log's own encoder on the same writer
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// serve runs the production server: settings first, then the database, then
// the listener. Migrations are the release step's job, not serve's.
func serve(ctx context.Context) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	logOut := newLogWriter(os.Stderr, 100*time.Millisecond)
	defer logOut.Close()
	log := newLogger(cfg, logOut)
	database, err := db.Open(ctx, cfg.DatabaseURL, cfg.DatabaseReplicaURL)
	if err != nil {
		return err
	}
	defer database.Close()
	a, err := app.New(cfg, database, log)
	if err != nil {
		return err
	}
	return listen(ctx, a)
}

// listen serves a until ctx ends, with its background loops (app.Background)
// started once: TLS terminated here with CertMagic when TLS=certmagic, else
// plain HTTP behind Fly's HTTP handler or Caddy.
func listen(ctx context.Context, a *app.App) error {
	if err := serveMetrics(ctx, a); err != nil {
		return err
	}
	if a.Config.TLS == "certmagic" {
		opt := edge.OptionsFrom(a.Config, a.Log)
		opt.Policy, opt.Storage = a.Policy, edge.NewStorage(a.DB.Primary.DB)
		opt.Events = a.Metrics.ACMEEvent
		srv, err := edge.New(opt)
		if err != nil {
			return err
		}
		a.Metrics.Certificates(srv.Expiries)
		a.Certs = srv // a domain goes active once its certificate is in storage
		a.Background(ctx)
		err = srv.Serve(ctx, a.Fiber) // drains the listeners within SHUTDOWN_TIMEOUT once ctx ends
		return errors.Join(err, a.Shutdown(func(context.Context) error { return nil }))
	}
	a.Background(ctx)
	errc := make(chan error, 1)
	ln, err := edge.Listen(a.Config.ListenAddr, a.Config.ProxyProtocol)
	if err != nil {
		return err
	}
	go func() { errc <- a.Fiber.Listener(ln) }()
	a.Log.Info("listening", "addr", a.Config.ListenAddr, "root", a.Config.Scheme()+"://"+a.Config.RootDomain)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "drain", a.Config.ShutdownTimeout)
	return a.Shutdown(a.Fiber.ShutdownWithContext)
}

// serveMetrics serves the app's metrics on METRICS_ADDR, a listener of its
// own that the public ports never reach, until ctx ends; without
// METRICS_ADDR it serves none. A taken address stops start-up.
func serveMetrics(ctx context.Context, a *app.App) error {
	if a.Config.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("METRICS_ADDR: %w (set another address, or off)", err)
	}
	go func() {
		if err := a.Metrics.Serve(ctx, ln); err != nil {
			a.Log.Error("metrics listener stopped", "err", err)
		}
	}()
	a.Log.Info("metrics", "addr", ln.Addr().String(), "path", metrics.Path)
	return nil
}

// dev runs the whole product on this machine with working defaults.
func dev(ctx context.Context, stdout io.Writer) error {
	// Without a Stripe key, stripe-mock stands in for Stripe and the local
	// test pages for Stripe Checkout and Connect onboarding.
	var stripe *devtools.Stripe
	if v, _ := os.LookupEnv("STRIPE_SECRET_KEY"); strings.TrimSpace(v) == "" {
		s, err := devtools.StartStripe(ctx, ".data", slog.New(slog.NewTextHandler(os.Stderr, nil)))
		if err != nil {
			return err
		}
		defer s.Stop() //nolint:errcheck
		stripe = s
	}
	env := func(k string) (string, bool) {
		if v, ok := stripe.Env()[k]; ok {
			return v, true
		}
		if k == "APP_ENV" {
			if v, ok := os.LookupEnv(k); ok && v != "" {
				return v, true
			}
			return config.EnvDevelopment, true
		}
		return os.LookupEnv(k)
	}
	cfg, err := config.LoadFrom(env)
	if err != nil {
		return err
	}
	if cfg.IsProduction() {
		return errors.New("dev: refusing to run with APP_ENV=production; use claro serve")
	}
	log := newLogger(cfg, os.Stderr)
	// Without SMTP_URL mail is logged, and /dev/mail shows it with its links.
	cfg.DevMailbox = cfg.SMTPURL == ""
	if len(cfg.SessionSecret) == 0 {
		if cfg.SessionSecret, err = devtools.SessionSecret(filepath.Join(".data", "session_secret")); err != nil {
			return err
		}
	}
	if cfg.DatabaseURL == "" {
		pg, err := devtools.StartPostgres(ctx, filepath.Join(".data", "postgres"), log)
		if err != nil {
			return err
		}
		defer pg.Stop() //nolint:errcheck
		cfg.DatabaseURL = pg.URL()
	}
	database, err := db.Open(ctx, cfg.DatabaseURL, cfg.DatabaseReplicaURL)
	if err != nil {
		return err
	}
	defer database.Close()
	if err := database.MigrateUp(ctx, stdout); err != nil {
		return err
	}
	if empty, err := seed.IsEmpty(ctx, database.Primary); err != nil {
		return err
	} else if empty {
		blobs, err := blob.Open(cfg)
		if err != nil {
			return err
		}
		if err := seed.Demo(ctx, database.Primary, blobs, stdout); err != nil {
			return err
		}
	}
	a, err := app.New(cfg, database, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nClaro is running: %s://%s  (storefronts: %s://<store>.%s)\nPress Ctrl-C to stop.\n\n",
		cfg.Scheme(), cfg.RootDomain, cfg.Scheme(), cfg.RootDomain)
	if cfg.DevMailbox {
		fmt.Fprintf(stdout, "No SMTP_URL: mail is logged, and shown with its links at %s://%s/dev/mail\n\n", cfg.Scheme(), cfg.RootDomain)
	}
	return listen(ctx, a)
}

func openFromEnv(ctx context.Context) (config.Config, *db.DB, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, nil, err
	}
	if cfg.DatabaseURL == "" {
		return cfg, nil, errors.New("DATABASE_URL is not set")
	}
	database, err := db.Open(ctx, cfg.DatabaseURL, "")
	return cfg, database, err
}

func migrateCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: claro migrate up|down|status")
	}
	_, database, err := openFromEnv(ctx)
	if err != nil {
		return err
	}
	defer database.Close()
	switch args[0] {
	case "up":
		return database.MigrateUp(ctx, stdout)
	case "down":
		return database.MigrateDown(ctx, stdout)
	case "status":
		return database.MigrationStatus(ctx, stdout)
	}
	return fmt.Errorf("migrate: unknown subcommand %q (up, down or status)", args[0])
}

func seedCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "demo creators, products, buyers")
	scale := fs.Int("scale", 0, "N products across N/100 stores")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale > 0 {
		_, database, err := openFromEnv(ctx)
		if err != nil {
			return err
		}
		defer database.Close()
		return seed.Scale(ctx, database.Primary, *scale, stdout)
	}
	if !*demo {
		return errors.New("usage: claro seed --demo | --scale N")
	}
	cfg, database, err := openFromEnv(ctx)
	if err != nil {
		return err
	}
	defer database.Close()
	if empty, err := seed.IsEmpty(ctx, database.Primary); err != nil {
		return err
	} else if !empty {
		return errors.New("seed --demo: the database already has stores; seed an empty database")
	}
	blobs, err := blob.Open(cfg)
	if err != nil {
		return err
	}
	return seed.Demo(ctx, database.Primary, blobs, stdout)
}

// reindexCmd rebuilds the discovery index from PostgreSQL, with progress.
// reconcileCmd runs one reconciliation pass (reconcile.Reconciler.Once) on
// the app's own wiring, logging what it fixes to stderr, and prints a summary.
// A pass already running elsewhere makes it say so and do nothing.
func reconcileCmd(ctx context.Context, stdout, stderr io.Writer) error {
	cfg, database, err := openFromEnv(ctx)
	if err != nil {
		return err
	}
	defer database.Close()
	a, err := app.New(cfg, database, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	rep, err := a.Reconciler.Once(ctx)
	if err != nil {
		return err
	}
	if rep.Skipped {
		fmt.Fprintln(stdout, "reconcile: another pass is running; nothing done")
		return nil
	}
	fmt.Fprintf(stdout, "reconcile: %d completed sessions in the last %.0f hours, %d orders written, %d accounts re-read\n",
		rep.Sessions, reconcile.Window.Hours(), rep.Orders, rep.Accounts)
	return nil
}

// adminCmd gives (grant) or takes away (revoke) the platform staff role of
// the account holding an address: the only way anyone becomes staff. Each
// change is written to the audit log the console shows.
func adminCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 2 || (args[0] != "grant" && args[0] != "revoke") {
		return errors.New("usage: claro admin grant|revoke EMAIL")
	}
	_, database, err := openFromEnv(ctx)
	if err != nil {
		return err
	}
	defer database.Close()
	grant := args[0] == "grant"
	changed, err := admin.NewStore(database.Primary).SetRole(ctx, admin.CommandLine, args[1], grant)
	switch {
	case errors.Is(err, admin.ErrNoAccount):
		return fmt.Errorf("admin %s: no account has the address %q (they sign up first)", args[0], args[1])
	case err != nil:
		return err
	case !changed && grant:
		fmt.Fprintf(stdout, "admin: %s is staff already; nothing changed\n", args[1])
	case !changed:
		fmt.Fprintf(stdout, "admin: %s is not staff; nothing changed\n", args[1])
	case grant:
		fmt.Fprintf(stdout, "admin: %s is staff now: the console is on /admin of the marketplace\n", args[1])
	default:
		fmt.Fprintf(stdout, "admin: %s is no longer staff\n", args[1])
	}
	return nil
}

func reindexCmd(ctx context.Context, stdout io.Writer) error {
	cfg, database, err := openFromEnv(ctx)
	if err != nil {
		return err
	}
	defer database.Close()
	codec := cursor.NewCodec(cfg.SessionSecret) // reindex makes no cursors
	var idx search.Index = search.NewPostgres(database, codec)
	if cfg.MeiliURL != "" {
		if idx, err = search.NewMeili(ctx, search.MeiliConfig{URL: cfg.MeiliURL, APIKey: cfg.MeiliAPIKey}, codec); err != nil {
			return err
		}
	}
	_, err = search.Reindex(ctx, database.Primary, idx, stdout)
	return err
}
