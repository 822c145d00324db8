package edge

import (
	"net"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
)

// Listen opens the plain-HTTP listener `claro serve` uses when TLS=off. With
// proxyProtocol (PROXY_PROTOCOL=true) every connection must open with a PROXY
// protocol header, exactly as on the TLS edge: web.ClientIP, the rate limiter and
// the access log then see the client, and a connection without the header is
// refused.
func Listen(addr string, proxyProtocol bool) (net.Listener, error) {
	raw, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	ln := QuietDeadlines(raw)
	if proxyProtocol {
		ln = RequireProxyHeader(ln)
	}
	return ln, nil
}

// RequireProxyHeader wraps a listener behind Fly's proxy_proto handler (or any
// proxy speaking the PROXY protocol v1/v2): every connection must start with
// the header, and the connection's remote address becomes the client's, so
// rate limits and logs see the real client. A connection without the header
// is refused rather than silently keyed on the proxy's address.
func RequireProxyHeader(ln net.Listener) net.Listener {
	return &proxyproto.Listener{
		Listener:          ln,
		ReadHeaderTimeout: 10 * time.Second,
		ConnPolicy: func(proxyproto.ConnPolicyOptions) (proxyproto.Policy, error) {
			return proxyproto.REQUIRE, nil
		},
	}
}
