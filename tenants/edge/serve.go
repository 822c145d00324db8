package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"
)

// Options are what Serve needs; OptionsFrom fills them from the settings.
type Options struct {
	RootHost          string // ROOT_DOMAIN without its port
	TLSAddr, HTTPAddr string
	CA, Email         string
	CARoot            string // a PEM file (or PEM text) trusted besides the system roots
	ProxyProtocol     bool   // both listeners require a PROXY protocol header
	// HealthAddr, when set, serves GET /healthz over plain HTTP without the
	// PROXY protocol, for platform checks that reach the machine directly.
	HealthAddr string
	Policy     *tenants.Policy
	Storage    certmagic.Storage
	// Wildcard, when set (ACME_DNS), obtains and renews one *.RootHost
	// certificate through DNS-01; the policy must then refuse subdomains.
	Wildcard *WildcardDNS
	Throttle Throttle
	// Drain bounds the listeners' shutdown once Serve's ctx ends
	// (SHUTDOWN_TIMEOUT; 10 s when zero).
	Drain time.Duration
	Log   *slog.Logger
	Zap   *zap.Logger // CertMagic's own log; nil discards it
	// Events, when set, hears the name of every certificate event CertMagic
	// emits (cert_obtaining, cert_obtained, cert_failed, cached_managed_cert,
	// cert_ocsp_revoked...) except the one per handshake; the app counts them.
	Events func(event string)
}

// OptionsFrom maps the TLS settings onto Options; the caller adds the policy
// and the storage.
func OptionsFrom(cfg config.Config, log *slog.Logger) Options {
	o := Options{RootHost: cfg.RootHost(), TLSAddr: cfg.TLSAddr, HTTPAddr: cfg.HTTPAddr,
		CA: cfg.ACMECA, Email: cfg.ACMEEmail, CARoot: cfg.ACMECARoot, ProxyProtocol: cfg.ProxyProtocol, HealthAddr: cfg.ListenAddr, Log: log,
		Drain: cfg.ShutdownTimeout}
	if u, ok, err := cfg.DNSUpdate(); ok && err == nil {
		o.Wildcard = WildcardFrom(u)
	}
	return o
}

// Server terminates TLS with certificates CertMagic obtains on demand, for
// exactly the names the policy allows, and keeps in the shared storage.
type Server struct {
	opt     Options
	magic   *certmagic.Config
	cache   *certmagic.Cache
	acme    *certmagic.ACMEIssuer
	issuer  *throttledIssuer
	wild    *certmagic.Config // nil without ACME_DNS
	tlsPort string            // ":8443" when TLS is not on 443, for redirects

	mu    sync.Mutex
	names map[string]struct{} // the names of managed certificates cached here (Expiries)
}

// New configures CertMagic. It fails without a policy: on-demand issuance
// without a DecisionFunc would issue for any name a client sends.
func New(opt Options) (*Server, error) {
	if opt.Policy == nil || opt.Storage == nil {
		return nil, errors.New("edge: a TLS policy and a certificate storage are required")
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Zap == nil {
		opt.Zap = zap.NewNop()
	}
	roots, err := trustedRoots(opt.CARoot)
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, tlsPort: portSuffix(opt.TLSAddr, "443"), names: map[string]struct{}{}}
	s.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(c certmagic.Certificate) (*certmagic.Config, error) { return s.configFor(c), nil },
		Logger:           opt.Zap,
	})
	s.magic = certmagic.New(s.cache, certmagic.Config{
		Storage:  opt.Storage,
		OnDemand: &certmagic.OnDemandConfig{DecisionFunc: opt.Policy.Allow},
		Logger:   opt.Zap,
		OnEvent:  s.onEvent,
	})
	s.acme = certmagic.NewACMEIssuer(s.magic, certmagic.ACMEIssuer{
		CA: opt.CA, Email: opt.Email, Agreed: true, TrustedRoots: roots, Logger: opt.Zap,
		// The challenge solvers find these ports taken by our own listeners
		// and leave the challenges to them (the data is in shared storage).
		AltHTTPPort: atoiPort(opt.HTTPAddr, 80), AltTLSALPNPort: atoiPort(opt.TLSAddr, 443),
	})
	s.issuer = newThrottledIssuer(s.acme, opt.Throttle)
	s.magic.Issuers = []certmagic.Issuer{s.issuer}
	if opt.Wildcard != nil {
		s.wild = s.newWildcardConfig(roots)
	}
	return s, nil
}

// onEvent hears CertMagic's events (the wildcard's config shares it): it
// logs what was obtained or failed, remembers which names are cached for
// Expiries, and passes each event's name to Options.Events.
func (s *Server) onEvent(_ context.Context, event string, data map[string]any) error {
	switch event {
	case "tls_get_certificate":
		return nil // one per handshake: neither logged nor counted
	case "cert_obtained", "cert_failed":
		s.opt.Log.Info("certificate", "event", event, "identifier", data["identifier"], "error", data["error"])
	case "cached_managed_cert":
		if sans, ok := data["sans"].([]string); ok && len(sans) > 0 {
			s.mu.Lock()
			s.names[sans[0]] = struct{}{}
			s.mu.Unlock()
		}
	}
	if s.opt.Events != nil {
		s.opt.Events(event)
	}
	return nil
}

// Expiry is one managed certificate this machine holds: its first name and
// when it stops being valid.
type Expiry struct {
	Name     string
	NotAfter time.Time
}

// Expiries lists the managed certificates in this machine's cache, each
// with the expiry of the copy it serves (CertMagic replaces a renewed one in
// place). A name no longer cached is forgotten. Sorted by name.
func (s *Server) Expiries() []Expiry {
	s.mu.Lock()
	names := make([]string, 0, len(s.names))
	for n := range s.names {
		names = append(names, n)
	}
	s.mu.Unlock()
	slices.Sort(names)
	out := make([]Expiry, 0, len(names))
	for _, n := range names {
		var latest time.Time
		for _, c := range s.cache.AllMatchingCertificates(n) {
			if c.Leaf != nil && slices.Contains(c.Names, n) && c.Leaf.NotAfter.After(latest) {
				latest = c.Leaf.NotAfter
			}
		}
		if latest.IsZero() {
			s.mu.Lock()
			delete(s.names, n) // evicted or removed: no longer served from here
			s.mu.Unlock()
			continue
		}
		out = append(out, Expiry{Name: n, NotAfter: latest})
	}
	return out
}

// TLSConfig is the listener's TLS configuration. Fiber speaks HTTP/1.1 only,
// so h2 is not offered; acme-tls/1 answers TLS-ALPN-01 challenges.
func (s *Server) TLSConfig() *tls.Config {
	c := s.magic.TLSConfig()
	c.NextProtos = []string{"http/1.1", "acme-tls/1"}
	c.MinVersion = tls.VersionTLS12
	return c
}

// Obtain gets (or finds in storage) certificates for a verified custom
// domain's names; the domain checker calls it before activating a domain.
func (s *Server) Obtain(ctx context.Context, names []string) error {
	for _, n := range names {
		if err := s.magic.ObtainCertSync(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Orders counts the ACME orders this machine has placed.
func (s *Server) Orders() int64 { return s.issuer.orders.Load() }

// Serve listens on TLS_ADDR and HTTP_ADDR and serves app over HTTPS until ctx
// ends, then shuts both listeners down.
func (s *Server) Serve(ctx context.Context, app *fiber.App) error {
	tlsLn, err := net.Listen("tcp", s.opt.TLSAddr)
	if err != nil {
		return err
	}
	httpLn, err := net.Listen("tcp", s.opt.HTTPAddr)
	if err != nil {
		tlsLn.Close()
		return err
	}
	if s.opt.HealthAddr != "" {
		healthLn, err := net.Listen("tcp", s.opt.HealthAddr)
		if err != nil {
			tlsLn.Close()
			httpLn.Close()
			return err
		}
		health := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write([]byte("ok"))
		})}
		go func() { _ = health.Serve(healthLn) }()
		defer health.Close()
	}
	if s.wild != nil {
		// Obtained (or loaded from storage) in the background, retried and
		// renewed until ctx ends; the listeners serve the other names meanwhile.
		if err := s.wild.ManageAsync(ctx, []string{s.WildcardName()}); err != nil {
			s.opt.Log.Error("wildcard certificate", "err", err)
		}
	}
	return s.ServeOn(ctx, app, tlsLn, httpLn)
}

// ServeOn is Serve on listeners the caller opened (tests use loopback ones);
// Options.TLSAddr and HTTPAddr should name their addresses. Unlike Serve it
// leaves the wildcard certificate to ManageWildcard.
func (s *Server) ServeOn(ctx context.Context, app *fiber.App, tlsLn, httpLn net.Listener) error {
	if s.opt.ProxyProtocol {
		tlsLn, httpLn = RequireProxyHeader(tlsLn), RequireProxyHeader(httpLn)
	}
	withHSTS(app, strings.ToLower(s.opt.RootHost))
	httpSrv := &http.Server{Handler: s.httpHandler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.opt.Log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 2)
	go func() { errc <- app.Listener(tls.NewListener(QuietDeadlines(tlsLn), s.TLSConfig())) }()
	go func() { errc <- httpSrv.Serve(httpLn) }()
	s.opt.Log.Info("listening", "https", tlsLn.Addr().String(), "http", httpLn.Addr().String(), "acme", s.opt.CA)

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	drain := s.opt.Drain
	if drain <= 0 {
		drain = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancel()
	_ = httpSrv.Shutdown(sctx)
	_ = app.ShutdownWithContext(sctx)
	s.cache.Stop()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// trustedRoots is the system pool plus ACME_CA_ROOT (a file or PEM text).
func trustedRoots(root string) (*x509.CertPool, error) {
	if root == "" {
		return nil, nil // CertMagic uses the system roots
	}
	pem := []byte(root)
	if !strings.HasPrefix(strings.TrimSpace(root), "-----BEGIN") {
		var err error
		if pem, err = os.ReadFile(root); err != nil {
			return nil, fmt.Errorf("edge: ACME_CA_ROOT: %w", err)
		}
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("edge: ACME_CA_ROOT holds no PEM certificate")
	}
	return pool, nil
}

func atoiPort(addr string, def int) int {
	if _, p, err := net.SplitHostPort(addr); err == nil {
		if n, err := strconv.Atoi(p); err == nil && n > 0 {
			return n
		}
	}
	return def
}

// portSuffix is ":port" for addresses not on the scheme's default port.
func portSuffix(addr, def string) string {
	if _, p, err := net.SplitHostPort(addr); err == nil && p != def && p != "" && p != "0" {
		return ":" + p
	}
	return ""
}
