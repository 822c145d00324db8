package edge

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/dnstest"
	"github.com/claro-market/claro/testkit/peertest"
)

// pebble is Let's Encrypt's test CA, started by the test with validation
// switched off (PEBBLE_VA_ALWAYS_VALID) and no random sleeps or nonce
// rejections. It enforces no rate limits: our throttle is tested by us.
type pebble struct {
	Dir     string // ACME directory URL
	CertPEM string // the TLS certificate of Pebble's own listeners
	Roots   *x509.CertPool

	mu  sync.Mutex
	log strings.Builder
}

func startPebble(t *testing.T) *pebble {
	t.Helper()
	return startPebbleWith(t, "")
}

// startPebbleDNS starts Pebble resolving through dnsServer (a BIND the test
// runs) with validation switched on: it really looks up the challenges.
func startPebbleDNS(t *testing.T, dnsServer string) *pebble {
	t.Helper()
	return startPebbleWith(t, dnsServer)
}

func startPebbleWith(t *testing.T, dnsServer string) *pebble {
	t.Helper()
	bin := dnstest.Require(t, "pebble", "pebble")
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	for name, b := range map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	acme, mgmt := peertest.FreeAddr(t), peertest.FreeAddr(t)
	cfg := fmt.Sprintf(`{"pebble": {"listenAddress": %q, "managementListenAddress": %q,
		"certificate": %q, "privateKey": %q, "httpPort": 5002, "tlsPort": 5001,
		"ocspResponderURL": "", "externalAccountBindingRequired": false}}`,
		acme, mgmt, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err := os.WriteFile(filepath.Join(dir, "pebble.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-config", filepath.Join(dir, "pebble.json")}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PEBBLE_VA_ALWAYS_VALID=") })
	env = append(env, "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	if dnsServer == "" {
		env = append(env, "PEBBLE_VA_ALWAYS_VALID=1")
	} else {
		args = append(args, "-dnsserver", dnsServer)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &pebble{Dir: "https://" + acme + "/dir", CertPEM: string(certPEM)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done; _ = cmd.Wait() })

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var root []byte
	for range 200 {
		if resp, err := client.Get("https://" + mgmt + "/roots/0"); err == nil {
			root, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	p.Roots = x509.NewCertPool()
	if !p.Roots.AppendCertsFromPEM(root) {
		t.Fatalf("pebble gave no root certificate:\n%s", p.Log())
	}
	return p
}

// Orders counts the new-order requests Pebble has received: ACME orders as
// the CA sees them, not as our code believes it placed them.
func (p *pebble) Orders() int { return strings.Count(p.Log(), "POST /order-plz") }

// Log is everything Pebble has printed so far.
func (p *pebble) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// selfSigned makes the certificate Pebble's own listeners present.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pebble test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}
