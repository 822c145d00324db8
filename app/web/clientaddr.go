package web

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Proxies are the TRUSTED_PROXIES: addresses and CIDRs whose X-Forwarded-For
// entries are believed.
type Proxies []netip.Prefix

// ParseProxies reads TRUSTED_PROXIES entries (an address or a CIDR each);
// config has already refused anything else, so an unreadable entry is skipped.
func ParseProxies(list []string) Proxies {
	var ps Proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			ps = append(ps, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			a = a.Unmap()
			ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return ps
}

// Trusted reports whether a is one of the proxies.
func (ps Proxies) Trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr is the client's address for a request that arrived from peer
// carrying the X-Forwarded-For header values xff (in the order received).
// Each proxy appends the address it heard from, so only the right-hand end
// of the list was written by proxies we trust: starting from peer, the walk
// goes from the right past trusted proxies only, and the first address that
// is not a trusted proxy is the client. Everything to its left was written
// by the client and is ignored. A malformed entry stops the walk at the last
// address known good (a proxy), so a client can never choose its address
// by writing garbage.
func ClientAddr(peer netip.Addr, xff []string, proxies Proxies) netip.Addr {
	addr := peer.Unmap()
	if !proxies.Trusted(addr) {
		return addr
	}
	for i := len(xff) - 1; i >= 0; i-- {
		entries := strings.Split(xff[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			e := strings.TrimSpace(entries[j])
			if e == "" && len(entries) == 1 {
				continue // an empty header value adds no hop
			}
			next, err := netip.ParseAddr(e)
			if err != nil || next.Zone() != "" {
				return addr
			}
			addr = next.Unmap()
			if !proxies.Trusted(addr) {
				return addr
			}
		}
	}
	return addr // every hop was a trusted proxy: the left-most is the client
}

type clientAddrKey struct{}

// ClientAddress works out each request's client address once (ClientAddr
// over the connection's peer and X-Forwarded-For) for ClientIP to answer.
func ClientAddress(proxies Proxies) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ip := c.IP() // the connection's peer: fiber.Config sets no ProxyHeader
		if len(proxies) > 0 {
			if peer, err := netip.ParseAddr(ip); err == nil {
				var xff []string
				for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
					xff = append(xff, string(v))
				}
				ip = ClientAddr(peer, xff, proxies).String()
			}
		}
		c.Locals(clientAddrKey{}, ip)
		return c.Next()
	}
}

// ClientIP is the request's client address: the key of every rate limit and
// the address logged and stored with a session. Use it, never c.IP(), which
// is only the connection's peer.
func ClientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(clientAddrKey{}).(string); ok {
		return ip
	}
	return c.IP()
}
