package web

import (
	"net/netip"
	"strings"
	"sync"
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

type recordKey struct{}

// record is what RequestRecord works out once per request for every later
// layer, read through recordOf. Records are reused (recordPool): nothing
// may keep one, or a string viewing it (RequestID), past its request.
type record struct {
	proxies Proxies
	ip      string // ClientIP, worked out on first use ("" until then)
	host    string // RequestHost
	id      string // RequestID: a view of idBuf
	idBuf   [36]byte
	done    time.Time // when the access log saw the answer (RequestTimes)
	hit     bool      // the page cache answered (markHit)
}

// recordPool keeps records for the next requests: a cached page's whole
// answer otherwise allocated little but its record.
var recordPool = sync.Pool{New: func() any { return new(record) }}

// recordOf is the request's record, nil before RequestRecord (a test's
// small app, or a route registered ahead of it).
func recordOf(c *fiber.Ctx) *record {
	r, _ := c.Locals(recordKey{}).(*record)
	return r
}

// RequestRecord works out, once per request, what every later layer asks
// for:
//   - the client address (ClientAddr over the connection's peer and
//     X-Forwarded-For), for ClientIP, on first use;
//   - the host (c.Hostname's answer), for RequestHost: Fiber checks the
//     peer against its trusted proxies, formatting the address anew, on
//     every Hostname call, and the tenant lookup, the page cache and the
//     access log each need it;
//   - a new request id, sent back as X-Request-Id and quoted by log lines
//     and error pages (RequestID), in the form of Fiber's requestid
//     middleware (a UUID from a random seed and a counter). Unlike that
//     middleware it never takes an id the request brings: the id a visitor
//     reads out from an error page must name one request of ours, not one
//     a client chose, perhaps another request's. Its bytes live in the
//     record, so no string is made or boxed for it (Fiber's middleware was
//     about a tenth of the middleware's time on a cached page under load).
func RequestRecord(proxies Proxies) fiber.Handler {
	idHeader := []byte("X-Request-Id") // fiber.HeaderXRequestID in the canonical form SetCanonical needs
	return func(c *fiber.Ctx) error {
		// Hostname's answer: without an X-Forwarded-Host header it is the
		// Host whoever sent it, so the check of the peer is left out then.
		var host string
		if len(c.Request().Header.Peek(fiber.HeaderXForwardedHost)) == 0 {
			host = utils.UnsafeString(c.Request().URI().Host())
		} else {
			host = c.Hostname()
		}
		r := recordPool.Get().(*record)
		*r = record{proxies: proxies, host: host}
		newID(&r.idBuf)
		r.id = utils.UnsafeString(r.idBuf[:])
		c.Response().Header.SetCanonical(idHeader, r.idBuf[:]) // copied in
		c.Locals(recordKey{}, r)
		err := c.Next()
		if err == nil {
			// Back to the pool once nothing of the request runs any more.
			// An error still goes to Fiber's error handler after this
			// returns, and its page quotes the id: that record is left to
			// the collector.
			c.Locals(recordKey{}, nil)
			recordPool.Put(r) // Get overwrites every field
		}
		return err
	}
}

// clientIP works out the client address (ClientAddr over the connection's
// peer and X-Forwarded-For) on first use: a cached page's answer never
// needs it unless its access line is sampled.
func (r *record) clientIP(c *fiber.Ctx) string {
	if r.ip == "" { // never empty once worked out: net.IP's String is "<nil>" at worst
		r.ip = peerClientIP(c, r.proxies)
	}
	return r.ip
}

// peerClientIP is the connection's peer, as c.IP() answers with no
// ProxyHeader set (none is), without the trusted-proxy check c.IP() makes
// first; past TRUSTED_PROXIES, the address they forwarded for.
func peerClientIP(c *fiber.Ctx, proxies Proxies) string {
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
	return ip
}

// ClientIP is the request's client address: the key of every rate limit and
// the address logged and stored with a session. Use it, never c.IP(), which
// is only the connection's peer.
func ClientIP(c *fiber.Ctx) string {
	if r := recordOf(c); r != nil {
		return r.clientIP(c)
	}
	return c.IP()
}

// RequestHost is c.Hostname(), worked out once by RequestRecord: the Host
// header, or a trusted proxy's X-Forwarded-Host. It is a view of the
// request's own bytes (as Hostname's is): copy it to keep it past the
// request.
func RequestHost(c *fiber.Ctx) string {
	if r := recordOf(c); r != nil {
		return r.host
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
	if r := recordOf(c); r != nil && !r.done.IsZero() {
		done = r.done
	} else {
		done = time.Now()
	}
	start = c.Context().Time()
	if start.IsZero() { // a handler driven without fasthttp's server (a test)
		start = done
	}
	return start, done
}

// markDone records when the access log saw the answer, for RequestTimes.
func markDone(c *fiber.Ctx, t time.Time) {
	if r := recordOf(c); r != nil {
		r.done = t
	}
}

// markHit notes that the page cache answered the request, for the access
// log's sampling.
func markHit(c *fiber.Ctx) {
	if r := recordOf(c); r != nil {
		r.hit = true
	}
}
