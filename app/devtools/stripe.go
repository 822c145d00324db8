package devtools

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/claro-market/claro/app/devtools/stripeproxy"
)

// Stripe is stripe-mock started for `claro dev`, behind the id-rewriting
// proxy, with the development secrets the app is configured with.
type Stripe struct {
	// URL is the proxy's address: what STRIPE_API_BASE is set to.
	URL string

	env  map[string]string
	mock *stripeproxy.Mock
	srv  *http.Server
	log  *slog.Logger
}

// StartStripe runs stripe-mock on free loopback ports with the proxy in front
// (so every Checkout Session and account gets its own id and a second
// checkout never collides with the first), and loads or creates the
// development secrets kept in dataDir/stripe.env. A missing binary is an
// error naming the command that installs it.
func StartStripe(ctx context.Context, dataDir string, log *slog.Logger) (*Stripe, error) {
	bin, err := stripeproxy.Binary()
	if err != nil {
		return nil, err
	}
	secrets, err := stripeSecrets(filepath.Join(dataDir, "stripe.env"))
	if err != nil {
		return nil, err
	}
	mock, err := stripeproxy.StartMock(ctx, bin)
	if err != nil {
		return nil, err
	}
	proxy, err := stripeproxy.New(mock.URL)
	if err != nil {
		mock.Stop()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		mock.Stop()
		return nil, err
	}
	s := &Stripe{URL: "http://" + ln.Addr().String(), mock: mock, log: log,
		srv: &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("stripe-mock proxy stopped", "err", err)
		}
	}()
	s.env = map[string]string{
		"STRIPE_API_BASE":   s.URL,
		"DEV_TEST_PAYMENTS": "true",
	}
	for k, v := range secrets {
		s.env[k] = v
	}
	log.Info("stripe-mock started; payments use the local test-payment page", "api_base", s.URL, "mock", mock.URL)
	return s, nil
}

// Env is the settings `claro dev` runs with while stripe-mock stands in for
// Stripe: STRIPE_API_BASE, the test key, both webhook secrets and
// DEV_TEST_PAYMENTS. A nil Stripe has none.
func (s *Stripe) Env() map[string]string {
	if s == nil {
		return nil
	}
	return s.env
}

// Stop closes the proxy and stops stripe-mock.
func (s *Stripe) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.mock.Stop()
	s.log.Info("stripe-mock stopped")
	return err
}

// stripeSecretNames are the secrets kept in stripe.env, with their prefixes.
var stripeSecretNames = [][2]string{
	{"STRIPE_SECRET_KEY", "sk_test_"},
	{"STRIPE_WEBHOOK_SECRET", "whsec_"},
	{"STRIPE_CONNECT_WEBHOOK_SECRET", "whsec_"},
}

// stripeSecrets reads KEY=value lines from path, generating (and saving) any
// secret that is missing, so they survive a restart of `claro dev`.
func stripeSecrets(path string) (map[string]string, error) {
	out := map[string]string{}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok {
				out[k] = v
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	secrets, changed := map[string]string{}, false
	for _, n := range stripeSecretNames {
		secrets[n[0]] = out[n[0]]
		if !strings.HasPrefix(out[n[0]], n[1]) {
			secrets[n[0]] = n[1] + "clarodev" + strings.ToLower(rand.Text()) // stripe-mock wants [a-zA-Z0-9] after sk_test_
			changed = true
		}
	}
	if !changed {
		return secrets, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("# Development-only Stripe secrets for `claro dev` with stripe-mock.\n")
	for _, n := range stripeSecretNames {
		fmt.Fprintf(&b, "%s=%s\n", n[0], secrets[n[0]])
	}
	return secrets, os.WriteFile(path, []byte(b.String()), 0o600)
}
