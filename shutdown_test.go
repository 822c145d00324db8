package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/localproc"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/dbtest"
	"github.com/claro-market/claro/testkit/peertest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// served is one claro serve (listen, as main runs it) on a loopback port,
// stopped by cancel as SIGTERM stops it.
type served struct {
	addr   string
	cancel context.CancelFunc
	done   chan error
	log    *localproc.Buffer
	td     *dbtest.Database
}

func serveForShutdown(t *testing.T, drain time.Duration) *served {
	t.Helper()
	ctx := context.Background()
	td, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = td.Drop(context.WithoutCancel(ctx)) })
	mock := stripetest.Start(t)
	cfg := apptest.Config(t)
	cfg.ListenAddr = peertest.FreeAddr(t)
	cfg.ShutdownTimeout = drain
	cfg.MetricsAddr = ""                                                    // not the fixed default port, which parallel packages would share
	cfg.StripeSecretKey, cfg.StripeAPIBase = stripetest.SecretKey, mock.URL // no reconciler against a real Stripe
	s := &served{addr: cfg.ListenAddr, done: make(chan error, 1), log: &localproc.Buffer{}, td: td}
	a, err := app.New(cfg, td.DB, slog.New(slog.NewTextHandler(s.log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	go func() { s.done <- listen(sctx, a) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("the server did not stop within 30 s")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never answered /healthz: %v\n%s", err, s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

// holdProducts locks the products table in a session of the test's own, so
// that an uncached marketplace page waits on it; release ends the lock.
func (s *served) holdProducts(t *testing.T) (release func()) {
	t.Helper()
	tx, err := s.td.Primary.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(context.Background(), "LOCK TABLE products IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { _ = tx.Rollback() }) }
	t.Cleanup(release)
	return release
}

// homeInFlight asks for the marketplace home (which reads products) and
// returns once the request waits on the lock; the answer arrives on the
// channel (status, or 0 when the request failed).
func (s *served) homeInFlight(t *testing.T) <-chan int {
	t.Helper()
	got := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+s.addr+"/", nil)
		req.Host = apptest.Root
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			got <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := s.td.Primary.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND wait_event_type = 'Lock'`,
			s.td.Name).Scan(context.Background(), &waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatal("the marketplace home never waited on the locked table")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// refusesConnections waits (bounded) until the listener is closed.
func (s *served) refusesConnections(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 3 s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *served) stopped(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		s.done <- nil // for Cleanup
	case <-time.After(within):
		t.Fatalf("not stopped within %v:\n%s", within, s.log.String())
	}
}

// On SIGTERM, claro serve stops accepting at once, lets a request in flight
// finish with its real answer, stops the background loops, and says so; it
// cut nothing.
func TestShutdownLetsARequestInFlightFinish(t *testing.T) {
	s := serveForShutdown(t, 10*time.Second)
	release := s.holdProducts(t)
	answer := s.homeInFlight(t)

	s.cancel() // what SIGTERM does (signal.NotifyContext in main)
	s.refusesConnections(t)
	time.Sleep(300 * time.Millisecond) // the request is still in flight, the listener closed
	release()
	select {
	case code := <-answer:
		if code != http.StatusOK {
			t.Fatalf("the request in flight got %d, want 200", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request in flight never got its answer")
	}
	s.stopped(t, 10*time.Second)
	logs := s.log.String()
	if !strings.Contains(logs, "shutdown: done") || strings.Contains(logs, "drain deadline") || strings.Contains(logs, "abandoned") {
		t.Fatalf("shutdown log:\n%s", logs)
	}
}

// A request that outlives SHUTDOWN_TIMEOUT is cut at the deadline, and the
// log says how many connections were still open.
func TestShutdownPastTheDrainSaysWhatItCut(t *testing.T) {
	s := serveForShutdown(t, 300*time.Millisecond)
	release := s.holdProducts(t)
	answer := s.homeInFlight(t)

	start := time.Now()
	s.cancel()
	s.stopped(t, 5*time.Second)
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("shutdown took %v with a 300 ms drain", took)
	}
	logs := s.log.String()
	if !strings.Contains(logs, "drain deadline passed") || !strings.Contains(logs, "in_flight=1") {
		t.Fatalf("shutdown log does not say what it cut:\n%s", logs)
	}
	release()
	select {
	case <-answer: // whatever it got, it got it (or its connection went)
	case <-time.After(20 * time.Second):
		t.Fatal("the cut request never returned")
	}
}
