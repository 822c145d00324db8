package hooks

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/claro-market/claro/app/web"
)

// ErrRefusedAddress is a dial to an address outbound webhooks never reach
// in production: loopback, private, link-local (the cloud metadata
// service among them), CGNAT, unspecified, multicast or reserved.
var ErrRefusedAddress = errors.New("hooks: refused address")

// blocked are the ranges netip's predicates do not name.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may translate to any IPv4, private ones too
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

// Refused reports whether production refuses to dial ip. IPv4-mapped IPv6
// addresses are judged as the IPv4 address they carry.
func Refused(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// guardedDialer dials like net.Dialer, and with guard refuses before
// connecting any address Refused names. The check is in Control, which
// runs for every address the dialer actually tries, after DNS resolution,
// on every attempt: a name that resolves to a private address (or is
// re-pointed at one between two attempts) is refused as an address
// literal is. No library does this one check; net.Dialer's hook is the
// place for it.
func guardedDialer(timeout time.Duration, guard bool) *net.Dialer {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if guard {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", ErrRefusedAddress, address, err)
			}
			if Refused(ap.Addr()) {
				return fmt.Errorf("%w: %s is not a public address", ErrRefusedAddress, ap.Addr())
			}
			return nil
		}
	}
	return d
}

// MaxURL is the longest endpoint URL accepted.
const MaxURL = 2000

// CheckURL validates an endpoint URL as the dashboard saves it: absolute
// http(s) with a host, no user or password, no fragment; in production
// https only, and never a loopback, private or reserved address literal
// or a name that is local by definition (localhost, *.localhost, *.local,
// *.internal). A public name that resolves to a private address is
// refused when dialled (guardedDialer), on every attempt.
func CheckURL(raw string, production bool) (*url.URL, error) {
	refuse := func(msg string) (*url.URL, error) { return nil, web.Refuse(422, msg) }
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return refuse("Enter the URL your server receives webhooks on.")
	}
	if len(raw) > MaxURL {
		return refuse(fmt.Sprintf("That URL is too long (at most %d characters).", MaxURL))
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return refuse("That URL contains control characters.")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return refuse("Enter a full URL, such as https://example.com/webhooks/claro.")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return refuse("The URL must start with https://.")
	case production && u.Scheme != "https":
		return refuse("The URL must use https:// (webhooks carry your buyers' details).")
	case u.User != nil:
		return refuse("Leave the user name and password out of the URL.")
	case u.Fragment != "":
		return refuse("Leave the #fragment out of the URL; it is never sent.")
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return refuse("Enter a full URL, such as https://example.com/webhooks/claro.")
	}
	if production {
		if ip, err := netip.ParseAddr(host); err == nil && Refused(ip) {
			return refuse("That address is private or reserved; webhooks go to public addresses only.")
		}
		for _, local := range []string{"localhost", ".localhost", ".local", ".internal", ".home.arpa"} {
			if host == strings.TrimPrefix(local, ".") || strings.HasSuffix(host, local) {
				return refuse("That host is local to a network; webhooks go to public addresses only.")
			}
		}
	}
	return u, nil
}
