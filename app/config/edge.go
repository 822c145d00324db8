package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DNSUpdate is ACME_DNS parsed: an RFC 2136 server that accepts dynamic
// updates signed with a TSIG key, for the DNS-01 challenge of the wildcard
// certificate *.ROOT_DOMAIN.
type DNSUpdate struct {
	Server    string // host:port, 53 when the URL names none
	KeyName   string // the TSIG key's name, fully qualified ("claro-acme.")
	Secret    string // the key, standard base64 (as BIND's key files hold it)
	Algorithm string // hmac-sha256 unless ?alg= says otherwise
	Zone      string // the zone updates are sent to, fully qualified ("claro.example.")
}

// tsigAlgorithms are the TSIG algorithms ACME_DNS may name with ?alg=.
var tsigAlgorithms = map[string]bool{
	"hmac-sha1": true, "hmac-sha224": true, "hmac-sha256": true, "hmac-sha384": true, "hmac-sha512": true,
}

// ParseDNSUpdate reads `rfc2136://keyname:secret@host:53?zone=example.com`
// (optionally `&alg=hmac-sha512`). The secret is base64, standard or URL
// alphabet; a standard one may hold '/' and '+', so it is read up to the last
// '@' rather than by a URL parser, and may also be percent-encoded.
func ParseDNSUpdate(raw string) (DNSUpdate, error) {
	rest, ok := strings.CutPrefix(raw, "rfc2136://")
	if !ok {
		return DNSUpdate{}, errors.New("must start with rfc2136://")
	}
	query := ""
	if i := strings.LastIndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return DNSUpdate{}, errors.New("needs keyname:secret@ before the server")
	}
	userinfo, hostport := rest[:at], strings.TrimSuffix(rest[at+1:], "/")
	name, secret, ok := strings.Cut(userinfo, ":")
	if !ok || name == "" || secret == "" {
		return DNSUpdate{}, errors.New("needs a TSIG key name and secret (keyname:secret@)")
	}
	var err error
	if name, err = url.PathUnescape(name); err != nil {
		return DNSUpdate{}, errors.New("the key name is not valid percent-encoding")
	}
	if secret, err = url.PathUnescape(secret); err != nil {
		return DNSUpdate{}, errors.New("the secret is not valid percent-encoding")
	}
	key, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		if key, err = base64.URLEncoding.DecodeString(secret); err != nil {
			if key, err = base64.RawURLEncoding.DecodeString(secret); err != nil {
				return DNSUpdate{}, errors.New("the secret is not base64")
			}
		}
	}
	if len(key) < 16 {
		return DNSUpdate{}, fmt.Errorf("the secret is %d bytes; use at least 16 (tsig-keygen makes 32)", len(key))
	}
	if !IsBareDomain(strings.TrimSuffix(strings.ToLower(name), ".")) && !validLabel(strings.TrimSuffix(strings.ToLower(name), ".")) {
		return DNSUpdate{}, fmt.Errorf("key name %q is not a DNS name", name)
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, "53"
	}
	if host == "" || (net.ParseIP(strings.Trim(host, "[]")) == nil && !IsBareDomain(strings.ToLower(host)) && host != "localhost") {
		return DNSUpdate{}, fmt.Errorf("server %q is not a host name or address", hostport)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return DNSUpdate{}, errors.New("the query string is malformed")
	}
	zone := strings.TrimSuffix(strings.ToLower(q.Get("zone")), ".")
	if !IsBareDomain(zone) {
		return DNSUpdate{}, errors.New("needs ?zone=<the zone that holds ROOT_DOMAIN>, e.g. ?zone=claro.example")
	}
	alg := strings.ToLower(q.Get("alg"))
	if alg == "" {
		alg = "hmac-sha256"
	}
	if !tsigAlgorithms[alg] {
		return DNSUpdate{}, fmt.Errorf("alg %q is not a TSIG algorithm (hmac-sha256, hmac-sha512, …)", alg)
	}
	return DNSUpdate{
		Server:    net.JoinHostPort(strings.Trim(host, "[]"), port),
		KeyName:   strings.ToLower(strings.TrimSuffix(name, ".")) + ".",
		Secret:    base64.StdEncoding.EncodeToString(key),
		Algorithm: alg,
		Zone:      zone + ".",
	}, nil
}

// DNSUpdate parses ACME_DNS; ok is false when it is unset. Load has already
// refused a malformed value, so err is only for configs built by hand.
func (c Config) DNSUpdate() (u DNSUpdate, ok bool, err error) {
	if c.ACMEDNS == "" {
		return DNSUpdate{}, false, nil
	}
	u, err = ParseDNSUpdate(c.ACMEDNS)
	return u, err == nil, err
}

// acmeDNSProblem checks ACME_DNS and that its zone can hold the challenge
// record of *.ROOT_DOMAIN (_acme-challenge.ROOT_DOMAIN).
func (c Config) acmeDNSProblem() string {
	if c.ACMEDNS == "" {
		return ""
	}
	u, err := ParseDNSUpdate(c.ACMEDNS)
	if err != nil {
		return "ACME_DNS: " + err.Error() + " (rfc2136://keyname:secret@host:53?zone=…)"
	}
	zone, root := strings.TrimSuffix(u.Zone, "."), c.RootHost()
	if root != "" && root != zone && !strings.HasSuffix(root, "."+zone) {
		return fmt.Sprintf("ACME_DNS: zone %q does not hold ROOT_DOMAIN %q", zone, root)
	}
	if c.TLS != "certmagic" {
		return "ACME_DNS: only used with TLS=certmagic (the app obtains the wildcard certificate itself)"
	}
	return ""
}

// InPrimaryRegion reports whether this machine is in the primary region,
// next to the primary database: true without regions (FLY_REGION unset),
// else when FLY_REGION is PRIMARY_REGION. The Stripe reconciler runs only
// there.
func (c Config) InPrimaryRegion() bool {
	return c.FlyRegion == "" || c.FlyRegion == c.PrimaryRegion
}

// PrimaryForwardURL is where a machine outside PRIMARY_REGION forwards the
// requests that write when it terminates TLS itself (TLS=certmagic): the
// primary region's machines on Fly's private network, on the TLS port, as
// https://<PRIMARY_REGION>.<FLY_APP_NAME>.internal:<port>. It is "" when
// there is nothing to forward: not on Fly, in the primary region, or behind
// Fly's HTTP handler (TLS=off), which answers fly-replay instead.
func (c Config) PrimaryForwardURL() string {
	if c.FlyRegion == "" || c.FlyRegion == c.PrimaryRegion || c.TLS != "certmagic" || c.FlyAppName == "" {
		return ""
	}
	port := "443"
	if _, p, err := net.SplitHostPort(c.TLSAddr); err == nil && p != "" {
		port = p
	}
	return "https://" + net.JoinHostPort(c.PrimaryRegion+"."+c.FlyAppName+".internal", port)
}

// flyProblem: forwarding to the primary needs the app's name for its
// private-network address.
func (c Config) flyProblem() string {
	if c.FlyRegion != "" && c.TLS == "certmagic" && c.FlyAppName == "" {
		return "FLY_APP_NAME: required with FLY_REGION and TLS=certmagic (writes are forwarded to <PRIMARY_REGION>.<FLY_APP_NAME>.internal)"
	}
	return ""
}
