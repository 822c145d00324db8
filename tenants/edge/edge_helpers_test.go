package edge

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const testRoot = "claro.test"

// edgeEnv is one running TLS edge (pb nil: no CA, for tests that issue nothing) (one machine) in front of a tiny app that
// answers with the host and the client address it saw.
type edgeEnv struct {
	srv      *Server
	policy   *tenants.Policy
	tlsAddr  string
	httpAddr string
}

type edgeOpt func(*Options)

func startEdge(t *testing.T, pb *pebble, pool *sql.DB, opts ...edgeOpt) *edgeEnv {
	t.Helper()
	policy := tenants.NewPolicy(tenants.NewStore(testDB.Primary), testRoot, tenants.PolicyOptions{})
	// Each edge registers its own ACME account: CertMagic locks account
	// registration by email in the shared database, and a lock name shared
	// between tests would couple them.
	opt := Options{RootHost: testRoot, Email: uniq("ops") + "@claro-edge.example", Policy: policy, Storage: NewStorage(pool),
		CA: "https://127.0.0.1:1/no-ca-in-this-test"}
	if pb != nil {
		opt.CA, opt.CARoot = pb.Dir, pb.CertPEM
	}
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opt.TLSAddr, opt.HTTPAddr = tlsLn.Addr().String(), httpLn.Addr().String()
	opt.Zap = failureLog(t)
	for _, o := range opts {
		o(&opt)
	}
	srv, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/*", func(c *fiber.Ctx) error { return c.SendString(c.Hostname() + " " + c.IP()) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeOn(ctx, app, tlsLn, httpLn) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &edgeEnv{srv: srv, policy: opt.Policy, tlsAddr: tlsLn.Addr().String(), httpAddr: httpLn.Addr().String()}
}

// failureLog is a CertMagic logger whose output is printed only when the
// test fails.
func failureLog(t *testing.T) *zap.Logger {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := zapcore.AddSync(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if buf.Len() > 1<<20 {
			return len(p), nil
		}
		return buf.Write(p)
	}))
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		mu.Lock()
		t.Logf("CertMagic log:\n%s", buf.String())
		mu.Unlock()
	})
	return zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), w, zapcore.DebugLevel))
}

// logStuck logs the goroutines now inside CertMagic or this package: called
// when a handshake times out, it says where the issuance was waiting.
func logStuck(t *testing.T) {
	stacks := make([]byte, 1<<22)
	stacks = stacks[:runtime.Stack(stacks, true)]
	for _, g := range strings.Split(string(stacks), "\n\n") {
		if strings.Contains(g, "certmagic") || strings.Contains(g, "claro/tenants/edge.") {
			t.Logf("%s\n", g)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// handshake opens a TLS connection with SNI name and verifies the certificate
// against Pebble's root; it returns the leaf.
func handshake(addr, name string, roots *x509.CertPool) (*x509.Certificate, error) {
	d := &net.Dialer{Timeout: time.Minute}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: name, RootCAs: roots})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, errors.New("no certificate")
	}
	return certs[0], nil
}

var (
	seq    atomic.Int64
	runTag = mrand.Int64N(1 << 24)
)

// uniq returns a slug or domain label unique to this call, so the tests pass
// when run again (-count=2) and in any order: the prefix, a sequence number
// and a tag drawn once per test binary.
func uniq(prefix string) string { return fmt.Sprintf("%s%d%x", prefix, seq.Add(1), runTag) }

func createStore(t *testing.T, slug string) *tenants.Tenant {
	t.Helper()
	tn := &tenants.Tenant{Slug: slug, Name: slug}
	if err := tenants.NewStore(testDB.Primary).Create(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	return tn
}

// addDomain gives a new store a custom domain in the given status, as the
// checker would have left it.
func addDomain(t *testing.T, slug, host, status string) {
	t.Helper()
	ctx := context.Background()
	tn := createStore(t, slug)
	d, err := tenants.NewDomainStore(testDB.Primary, testRoot).Add(ctx, tn.ID, host)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.ExecContext(ctx, "UPDATE domains SET status = ? WHERE id = ?", status, d.ID); err != nil {
		t.Fatal(err)
	}
}
