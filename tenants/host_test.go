package tenants

import (
	"net"
	"strings"
	"testing"
)

func TestParseHostNormalisesAndRefuses(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"claro.test", "claro.test", true},
		{"Alice.Claro.TEST", "alice.claro.test", true},
		{"alice.claro.test:8080", "alice.claro.test", true},
		{"alice.claro.test.", "alice.claro.test", true},
		{"alice.claro.test.:443", "alice.claro.test", true},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", true},
		{"", "", false},
		{":80", "", false},
		{".", "", false},
		{"alice..claro.test", "", false},
		{".claro.test", "", false},
		{"alice.claro.test..", "", false},
		{"alice\x00.claro.test", "", false},
		{"bücher.example", "", false},
		{"alice claro.test", "", false},
		{"alice.claro.test:", "", false},
		{"alice.claro.test:http", "", false},
		{"alice.claro.test:123456", "", false},
		{"-alice.claro.test", "", false},
		{"alice-.claro.test", "", false},
		{"127.0.0.1", "", false},
		{"127.0.0.1:8080", "", false},
		{"[::1]:8080", "", false},
		{"10.1", "", false},
		{"alice_bob.claro.test", "", false},
		{strings.Repeat("a", 64) + ".claro.test", "", false},
		{strings.Repeat("a.", 130) + "test", "", false},
	}
	for _, c := range cases {
		got, ok := ParseHost(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseHost(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestClassifyAppliesTheHostRules(t *testing.T) {
	const root = "claro.test"
	cases := []struct {
		in   string
		kind SiteKind
		sub  string
		ok   bool
	}{
		{"claro.test", KindMarketplace, "", true},
		{"CLARO.test:8080", KindMarketplace, "", true},
		{"www.claro.test", KindRedirect, "", true},
		{"alice.claro.test", KindStore, "alice", true},
		{"shop.example.com", KindStore, "", true},
		{"a.b.claro.test", 0, "", false},
		{"claro.test.evil.com", KindStore, "", true}, // a custom-domain candidate, looked up exactly
		{"evilclaro.test", KindStore, "", true},      // not under the root: custom-domain candidate
		{"192.168.1.1", 0, "", false},
	}
	for _, c := range cases {
		_, kind, sub, ok := Classify(c.in, root)
		if kind != c.kind || sub != c.sub || ok != c.ok {
			t.Errorf("Classify(%q) = %v %q %v; want %v %q %v", c.in, kind, sub, ok, c.kind, c.sub, c.ok)
		}
	}
}

func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"claro.test", "ALICE.claro.test:8080", "alice.claro.test.", "xn--bcher-kva.example",
		"", "\x00", "a..b", "[::1]", "127.0.0.1", "a.b.claro.test", "www.claro.test", "bücher.example", "%00.claro.test"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// HSTS reads the name without ParseHost's copy: the same answer.
		parsed, pok := ParseHost(raw)
		under := pok && (parsed == "claro.test" || strings.HasSuffix(parsed, ".claro.test"))
		if got := HSTS(raw, "claro.test") == HSTSMaxAge+"; includeSubDomains"; got != under {
			t.Fatalf("HSTS(%q) includes subdomains: %v, ParseHost says %q %v", raw, got, parsed, pok)
		}
		host, kind, sub, ok := Classify(raw, "claro.test")
		if !ok {
			if host != "" || sub != "" {
				t.Fatalf("refused %q but returned %q/%q", raw, host, sub)
			}
			return
		}
		if host != strings.ToLower(host) || net.ParseIP(host) != nil || len(host) > 253 || host == "" {
			t.Fatalf("accepted bad host %q from %q", host, raw)
		}
		// The resolver answers a Host header equal to a cached host from the
		// cache without classifying it: that is sound only if a classified
		// host classifies to itself, the same kind and subdomain.
		if h2, k2, s2, ok2 := Classify(host, "claro.test"); !ok2 || h2 != host || k2 != kind || s2 != sub {
			t.Fatalf("%q classifies to %q %v %q, but %q to %q %v %q", raw, host, kind, sub, host, h2, k2, s2)
		}
		for _, label := range strings.Split(host, ".") {
			if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
				t.Fatalf("accepted bad label %q in %q", label, host)
			}
			for _, r := range label {
				if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
					t.Fatalf("accepted %q with rune %q", host, r)
				}
			}
		}
		switch kind {
		case KindMarketplace:
			if host != "claro.test" {
				t.Fatalf("%q classified as marketplace", host)
			}
		case KindRedirect:
			if host != "www.claro.test" {
				t.Fatalf("%q classified as redirect", host)
			}
		case KindStore:
			if sub != "" && host != sub+".claro.test" {
				t.Fatalf("%q gave subdomain %q", host, sub)
			}
			if sub == "" && strings.HasSuffix(host, ".claro.test") {
				t.Fatalf("%q under the root treated as a custom domain", host)
			}
			if strings.Contains(sub, ".") {
				t.Fatalf("nested subdomain %q accepted", sub)
			}
		default:
			t.Fatalf("unknown kind %v", kind)
		}
	})
}
