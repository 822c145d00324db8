package edge

import (
	"net"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
)

// requireProxyHeader wraps a listener behind Fly's proxy_proto handler (or any
// proxy speaking the PROXY protocol v1/v2): every connection must start with
// the header, and the connection's remote address becomes the client's, so
// rate limits and logs see the real client. A connection without the header
// is refused rather than silently keyed on the proxy's address.
func requireProxyHeader(ln net.Listener) net.Listener {
	return &proxyproto.Listener{
		Listener:          ln,
		ReadHeaderTimeout: 10 * time.Second,
		ConnPolicy: func(proxyproto.ConnPolicyOptions) (proxyproto.Policy, error) {
			return proxyproto.REQUIRE, nil
		},
	}
}
