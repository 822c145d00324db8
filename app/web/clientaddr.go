package web

import (
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
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

type clientKey struct{}

// client is what ClientAddress works out once per request.
type client struct {
	ip    string    // ClientIP
	host  string    // RequestHost
	done  time.Time // when the access log saw the answer (RequestTimes)
	hit   bool      // the page cache answered (markHit)
	id    string    // RequestID: set by RequestIDs, a view of idBuf or of the request
	idBuf [36]byte
}

// ClientAddress works out each request's client address once (ClientAddr
// over the connection's peer and X-Forwarded-For) for ClientIP to answer,
// and its host (c.Hostname) for RequestHost: Fiber checks the peer against
// its trusted proxies, formatting the address anew, on every Hostname call,
// and the tenant lookup, the page cache and the access log each need it.
func ClientAddress(proxies Proxies) fiber.Handler {
	return func(c *fiber.Ctx) error {
		// The connection's peer, as c.IP() answers with no ProxyHeader set
		// (none is), without the trusted-proxy check c.IP() makes first.
		ip := c.Context().RemoteIP().String()
		if len(proxies) > 0 {
			if peer, err := netip.ParseAddr(ip); err == nil {
				var xff []string
				for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
					xff = append(xff, string(v))
				}
				ip = ClientAddr(peer, xff, proxies).String()
			}
		}
		// Hostname's answer: without an X-Forwarded-Host header it is the
		// Host whoever sent it, so the check of the peer is left out then.
		var host string
		if len(c.Request().Header.Peek(fiber.HeaderXForwardedHost)) == 0 {
			host = utils.UnsafeString(c.Request().URI().Host())
		} else {
			host = c.Hostname()
		}
		c.Locals(clientKey{}, &client{ip: ip, host: host})
		return c.Next()
	}
}

// ClientIP is the request's client address: the key of every rate limit and
// the address logged and stored with a session. Use it, never c.IP(), which
// is only the connection's peer.
func ClientIP(c *fiber.Ctx) string {
	if cl, ok := c.Locals(clientKey{}).(*client); ok {
		return cl.ip
	}
	return c.IP()
}

// RequestHost is c.Hostname(), worked out once by ClientAddress: the Host
// header, or a trusted proxy's X-Forwarded-Host. It is a view of the
// request's own bytes (as Hostname's is): copy it to keep it past the
// request.
func RequestHost(c *fiber.Ctx) string {
	if cl, ok := c.Locals(clientKey{}).(*client); ok {
		return cl.host
	}
	return c.Hostname()
}

// RequestTimes are when the request came (fasthttp notes it before calling
// the handler) and when it was answered: the time the access log stamped
// on its line, once it has. The access log and the request metrics share
// them because reading the clock is not free on every machine (on a
// virtual machine's clock, five reads per request were a tenth of a cached
// page's cost in-process).
func RequestTimes(c *fiber.Ctx) (start, done time.Time) {
	start = c.Context().Time()
	if cl, ok := c.Locals(clientKey{}).(*client); ok && !cl.done.IsZero() {
		done = cl.done
	} else {
		done = time.Now()
	}
	if start.IsZero() { // a handler driven without fasthttp's server (a test)
		start = done
	}
	return start, done
}

// markDone records when the access log saw the answer, for RequestTimes.
func markDone(c *fiber.Ctx, t time.Time) {
	if cl, ok := c.Locals(clientKey{}).(*client); ok {
		cl.done = t
	}
}

// markHit notes that the page cache answered the request, for the access
// log's sampling.
func markHit(c *fiber.Ctx) {
	if cl, ok := c.Locals(clientKey{}).(*client); ok {
		cl.hit = true
	}
}

// cacheHit reports whether the page cache answered the request.
func cacheHit(c *fiber.Ctx) bool {
	cl, ok := c.Locals(clientKey{}).(*client)
	return ok && cl.hit
}
