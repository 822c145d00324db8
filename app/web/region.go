package web

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	proxyproto "github.com/pires/go-proxyproto"
)

// RegionOptions place this machine on Fly.io's map (README "Settings": FLY_REGION,
// PRIMARY_REGION, FLY_APP_NAME).
type RegionOptions struct {
	Region, Primary string // FLY_REGION, PRIMARY_REGION
	// Forward is the primary region's instances on the private network
	// (https://iad.claro.internal:8443) when the app terminates TLS itself
	// (TLS=certmagic): requests that write are proxied there. Empty means
	// Fly's HTTP handler fronts the app (TLS=off) and answers fly-replay.
	Forward string
	// ProxyHeader opens each forwarded connection with a PROXY protocol
	// header naming the client, as Fly's edge does, so the primary's
	// listener (PROXY_PROTOCOL=true) sees the client and not this machine.
	ProxyHeader bool
	// Roots verify the primary's certificate (the system's when nil; add
	// ACME_CA_ROOT for a test CA). The primary presents the certificate of
	// the request's own host, so the forwarded TLS is verified like a visitor's.
	Roots   *x509.CertPool
	Timeout time.Duration // per forwarded request; 30 s when zero
}

// ForwardedFromHeader marks a request this app forwarded to the primary, so
// it is never forwarded again (a misconfigured PRIMARY_REGION cannot loop).
const ForwardedFromHeader = "Claro-Forwarded-From"

// IsWrite reports whether a request may write: anything but GET, HEAD,
// OPTIONS and TRACE. Stripe's webhooks are writes like any other and go to
// the primary too: orders must be written where the checkouts were.
func IsWrite(method string) bool {
	switch method {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return false
	}
	return true
}

// Regional sends every request that writes, in a region that is not the
// primary, to the primary region: fly-replay when Fly's HTTP handler is in
// front, else a reverse proxy over the private network. Reads stay here and
// use the regional replica. It belongs after tenant resolution, so unknown
// hosts are refused here and never cross the ocean. Without FLY_REGION, or in
// the primary region, it does nothing.
func Regional(o RegionOptions) fiber.Handler {
	if o.Region == "" || o.Region == o.Primary {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	var forward fiber.Handler
	if o.Forward != "" {
		forward = forwarder(o)
	}
	return func(c *fiber.Ctx) error {
		if !IsWrite(c.Method()) || c.Get("Fly-Replay-Src") != "" || c.Get(ForwardedFromHeader) != "" {
			return c.Next() // a read, or already redelivered: serve it here (writes use the primary pool)
		}
		if forward == nil {
			c.Set("Fly-Replay", "region="+o.Primary)
			return c.Status(fiber.StatusConflict).SendString("replaying in " + o.Primary)
		}
		return forward(c)
	}
}

// Context keys the forwarded request carries to the proxy's dialer.
type (
	clientIPKey    struct{}
	clientProtoKey struct{}
	forwardHostKey struct{}
)

// forwarder is a reverse proxy to the primary that keeps the request's own
// Host (the primary resolves the same store) and, for TLS, uses it as SNI.
// Each forward dials afresh: a connection opened with one client's PROXY
// header must never carry another client's request.
func forwarder(o RegionOptions) fiber.Handler {
	target, err := url.Parse(o.Forward)
	if err != nil || target.Host == "" {
		panic("web.Regional: Forward is not a URL: " + o.Forward) // a wiring bug, caught at start-up
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
		if err != nil || !o.ProxyHeader {
			return conn, err
		}
		ip, _ := ctx.Value(clientIPKey{}).(string)
		src := &net.TCPAddr{IP: net.ParseIP(ip)}
		if src.IP == nil {
			src.IP = net.IPv4zero
		}
		h := proxyproto.HeaderProxyFromAddrs(2, src, conn.RemoteAddr())
		if _, err := h.WriteTo(conn); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	}
	tr := &http.Transport{
		DialContext:       dial,
		DisableKeepAlives: true,
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			host, _ := ctx.Value(forwardHostKey{}).(string)
			tc := tls.Client(conn, &tls.Config{ServerName: host, RootCAs: o.Roots, MinVersion: tls.VersionTLS12})
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, err
			}
			return tc, nil
		},
		ResponseHeaderTimeout: timeout,
	}
	rp := &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(r *httputil.ProxyRequest) {
			host := stripPort(r.In.Host)
			r.SetURL(target)
			r.Out.Host = r.In.Host
			ip, _ := r.In.Context().Value(clientIPKey{}).(string)
			proto, _ := r.In.Context().Value(clientProtoKey{}).(string)
			r.Out.Header.Set("X-Forwarded-For", ip)
			r.Out.Header.Set("X-Forwarded-Proto", proto)
			r.Out.Header.Set(ForwardedFromHeader, o.Region)
			r.Out = r.Out.WithContext(context.WithValue(r.Out.Context(), forwardHostKey{}, host))
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("The primary region could not be reached. Please try again."))
		},
	}
	// The request gets a context of its own, not fasthttp's RequestCtx,
	// which is recycled once the handler returns while net/http may still
	// hold contexts derived from it.
	return func(c *fiber.Ctx) error {
		req, err := adaptor.ConvertRequest(c, true)
		if err != nil {
			return err
		}
		ctx := context.WithValue(context.WithValue(c.UserContext(), clientIPKey{}, ClientIP(c)), clientProtoKey{}, c.Protocol())
		rp.ServeHTTP(&responseWriter{c: c, h: http.Header{}}, req.WithContext(ctx))
		return nil
	}
}

// responseWriter writes a net/http handler's answer into Fiber's response.
type responseWriter struct {
	c     *fiber.Ctx
	h     http.Header
	wrote bool
}

func (w *responseWriter) Header() http.Header { return w.h }

func (w *responseWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	for k, vs := range w.h {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Connection":
			continue
		}
		for _, v := range vs {
			w.c.Response().Header.Add(k, v)
		}
	}
	w.c.Status(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.c.Response().AppendBody(b)
	return len(b), nil
}

func stripPort(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return h
}
