package config

import (
	"strings"
	"testing"
)

// A 32-byte TSIG secret whose standard base64 holds both '/' and '+'.
const tsigSecret = "q/+Xw1Yk3v0n5cU8mB2rT7hJ9pL4sA6dE0fG1iK2oM8="

func TestACMEDNSIsParsedIntoServerKeyAndZone(t *testing.T) {
	m := good()
	m["TLS"] = "certmagic"
	m["ACME_EMAIL"] = "ops@claro.example"
	m["ACME_DNS"] = "rfc2136://claro-acme:" + tsigSecret + "@ns1.claro.example?zone=claro.example"
	c, err := LoadFrom(env(m))
	if err != nil {
		t.Fatal(err)
	}
	u, ok, err := c.DNSUpdate()
	if err != nil || !ok {
		t.Fatalf("DNSUpdate: ok=%v err=%v", ok, err)
	}
	want := DNSUpdate{Server: "ns1.claro.example:53", KeyName: "claro-acme.", Secret: tsigSecret,
		Algorithm: "hmac-sha256", Zone: "claro.example."}
	if u != want {
		t.Fatalf("got %+v\nwant %+v", u, want)
	}

	u, err = ParseDNSUpdate("rfc2136://k.example.:" + strings.NewReplacer("/", "%2F", "+", "%2B").Replace(tsigSecret) +
		"@127.0.0.1:5353?zone=Claro.Example.&alg=HMAC-SHA512")
	if err != nil || u.Server != "127.0.0.1:5353" || u.KeyName != "k.example." || u.Secret != tsigSecret ||
		u.Algorithm != "hmac-sha512" || u.Zone != "claro.example." {
		t.Fatalf("percent-encoded form: %+v, %v", u, err)
	}
}

func TestACMEDNSProblemsAreNamed(t *testing.T) {
	cases := map[string]string{
		"not rfc2136":          "dns://k:" + tsigSecret + "@ns1.claro.example?zone=claro.example",
		"no key":               "rfc2136://ns1.claro.example?zone=claro.example",
		"secret not base64":    "rfc2136://k:not*base64@ns1.claro.example?zone=claro.example",
		"secret too short":     "rfc2136://k:c2hvcnQ=@ns1.claro.example?zone=claro.example",
		"no zone":              "rfc2136://k:" + tsigSecret + "@ns1.claro.example:53",
		"zone without root":    "rfc2136://k:" + tsigSecret + "@ns1.claro.example?zone=other.example",
		"zone under root only": "rfc2136://k:" + tsigSecret + "@ns1.claro.example?zone=sub.claro.example",
		"unknown algorithm":    "rfc2136://k:" + tsigSecret + "@ns1.claro.example?zone=claro.example&alg=md5",
		"bad server":           "rfc2136://k:" + tsigSecret + "@not a host:53?zone=claro.example",
	}
	for name, v := range cases {
		m := good()
		m["TLS"], m["ACME_EMAIL"], m["ACME_DNS"] = "certmagic", "ops@claro.example", v
		_, err := LoadFrom(env(m))
		if err == nil || !strings.Contains(err.Error(), "ACME_DNS") {
			t.Errorf("%s: err = %v, want a problem naming ACME_DNS", name, err)
		}
	}
	// The wildcard is obtained by the app itself, so ACME_DNS needs TLS=certmagic.
	m := good()
	m["ACME_DNS"] = "rfc2136://k:" + tsigSecret + "@ns1.claro.example?zone=claro.example"
	if _, err := LoadFrom(env(m)); err == nil || !strings.Contains(err.Error(), "TLS=certmagic") {
		t.Errorf("ACME_DNS with TLS=off: err = %v", err)
	}
}

func TestPrimaryForwardURLOnlyOutsideThePrimaryWithCertmagic(t *testing.T) {
	m := good()
	m["TLS"], m["ACME_EMAIL"], m["TLS_ADDR"] = "certmagic", "ops@claro.example", ":8443"
	m["FLY_REGION"], m["PRIMARY_REGION"], m["FLY_APP_NAME"] = "ams", "iad", "claro"
	c, err := LoadFrom(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.PrimaryForwardURL(); got != "https://iad.claro.internal:8443" {
		t.Fatalf("forward URL %q", got)
	}
	for _, mod := range []func(c *Config){
		func(c *Config) { c.FlyRegion = "iad" },
		func(c *Config) { c.TLS = "off" },
		func(c *Config) { c.FlyRegion, c.PrimaryRegion = "", "" },
	} {
		cc := c
		mod(&cc)
		if got := cc.PrimaryForwardURL(); got != "" {
			t.Errorf("%+v: forward URL %q, want none", cc.FlyRegion, got)
		}
	}
	delete(m, "FLY_APP_NAME")
	if _, err := LoadFrom(env(m)); err == nil || !strings.Contains(err.Error(), "FLY_APP_NAME") {
		t.Fatalf("missing FLY_APP_NAME: %v", err)
	}
}

func TestInPrimaryRegionOnlyWithoutRegionsOrInThePrimary(t *testing.T) {
	for _, c := range []struct {
		fly, primary string
		want         bool
	}{{"", "", true}, {"iad", "iad", true}, {"ams", "iad", false}} {
		cfg := Config{FlyRegion: c.fly, PrimaryRegion: c.primary}
		if got := cfg.InPrimaryRegion(); got != c.want {
			t.Errorf("FLY_REGION=%q PRIMARY_REGION=%q: InPrimaryRegion %v, want %v", c.fly, c.primary, got, c.want)
		}
	}
}
