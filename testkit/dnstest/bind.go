// Package dnstest starts a real DNS server, Debian's BIND 9, for tests that
// verify custom domains or answer DNS-01 challenges: authoritative for the
// zones a test names, accepting TSIG-signed dynamic updates (RFC 2136).
package dnstest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/peertest"
	"github.com/miekg/dns"
)

// KeyName is the TSIG key the server accepts updates signed with.
const KeyName = "claro-test."

// Server is a running BIND instance on a loopback port.
type Server struct {
	Addr   string // host:port, UDP and TCP
	Secret string // base64 TSIG secret for KeyName (hmac-sha256)
	t      testing.TB
}

// Require finds a program the tests need. Outside CI a missing one skips the
// test; in CI (CI=true) it fails it, so CI never passes by skipping.
func Require(t testing.TB, name, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", filepath.Join(os.Getenv("HOME"), "go", "bin")} {
		if p := filepath.Join(dir, name); isExec(p) {
			return p
		}
	}
	peertest.Missing(t, fmt.Sprintf("%s not installed (apt-get install %s)", name, pkg))
	return ""
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// StartBIND runs named for the given zones (e.g. "shop-dns.test") until the
// test ends. Each zone starts with its SOA and NS records only.
func StartBIND(t testing.TB, zones ...string) *Server {
	t.Helper()
	named := Require(t, "named", "bind9")
	dir := t.TempDir()
	port := peertest.FreePort(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Secret: base64.StdEncoding.EncodeToString(key), t: t}

	var conf strings.Builder
	fmt.Fprintf(&conf, `options {
	directory %q; pid-file none; session-keyfile none; managed-keys-directory %q;
	listen-on port %d { 127.0.0.1; }; listen-on-v6 { none; };
	recursion no; dnssec-validation no; notify no; allow-query { any; };
};
controls { };
key %q { algorithm hmac-sha256; secret %q; };
`, dir, dir, port, KeyName, s.Secret)
	for _, z := range zones {
		zone := fmt.Sprintf("$TTL 1\n@ IN SOA ns.%[1]s. hostmaster.%[1]s. 1 3600 600 86400 1\n@ IN NS ns.%[1]s.\nns IN A 127.0.0.1\n", z)
		if err := os.WriteFile(filepath.Join(dir, z+".zone"), []byte(zone), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&conf, "zone %q { type primary; file %q; allow-update { key %q; }; };\n", z, z+".zone", KeyName)
	}
	confPath := filepath.Join(dir, "named.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(named, "-g", "-4", "-c", confPath)
	logf, _ := os.Create(filepath.Join(dir, "named.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = logf.Close() })

	// Ready when every zone is loaded (named loads them one by one).
	loaded := func() bool {
		for _, z := range zones {
			q := new(dns.Msg)
			q.SetQuestion(dns.Fqdn(z), dns.TypeSOA)
			if r, _, err := new(dns.Client).Exchange(q, s.Addr); err != nil || r.Rcode != dns.RcodeSuccess {
				return false
			}
		}
		return true
	}
	for range 400 {
		if loaded() {
			return s
		}
		time.Sleep(25 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "named.log"))
	t.Fatalf("named did not answer on %s:\n%s", s.Addr, log)
	return nil
}

// Resolver returns a Go resolver that asks only this server.
func (s *Server) Resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, s.Addr)
	}}
}

// Set replaces the records of one name and type with rrs, each in zone-file
// form ("shop.example.test. 1 IN TXT \"token\""); with no rrs it deletes them.
func (s *Server) Set(zone, name string, rrtype uint16, rrs ...string) {
	s.t.Helper()
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(zone))
	m.RemoveRRset([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: dns.Fqdn(name), Rrtype: rrtype, Class: dns.ClassANY}}})
	var add []dns.RR
	for _, r := range rrs {
		rr, err := dns.NewRR(r)
		if err != nil {
			s.t.Fatal(err)
		}
		add = append(add, rr)
	}
	if len(add) > 0 {
		m.Insert(add)
	}
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{KeyName: s.Secret}}
	// named answers SERVFAIL to an update while it is still settling a zone
	// (journal, serial); a bounded retry rides that out.
	for attempt := 0; ; attempt++ {
		m.Extra = nil // drop the previous attempt's TSIG record
		m.SetTsig(KeyName, dns.HmacSHA256, 300, time.Now().Unix())
		r, _, err := c.Exchange(m, s.Addr)
		if err != nil {
			s.t.Fatalf("dns update %s: %v", name, err)
		}
		if r.Rcode == dns.RcodeSuccess {
			return
		}
		if r.Rcode != dns.RcodeServerFailure || attempt == 40 {
			s.t.Fatalf("dns update %s: %s", name, dns.RcodeToString[r.Rcode])
		}
		time.Sleep(50 * time.Millisecond)
	}
}
