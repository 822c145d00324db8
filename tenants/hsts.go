package tenants

import "strings"

// HSTSMaxAge is two years, as hstspreload.org asks for.
const HSTSMaxAge = "max-age=63072000"

// HSTS is the Strict-Transport-Security value for a response on host (a
// Host header, port allowed), with rootHost the platform's domain without a
// port. The platform's own names include their subdomains (all ours, all on
// HTTPS); a creator's custom domain does not, since its other subdomains are
// not ours. The app (web.SecurityHeaders, in production) and the TLS edge
// both send this one value.
func HSTS(host, rootHost string) string {
	root := strings.ToLower(rootHost)
	h, ok := normalHost(host)
	// h is root or ends in "." + root (HasSuffix(h, "."+root) would build
	// that string on every response).
	if ok && strings.HasSuffix(h, root) && (len(h) == len(root) || h[len(h)-len(root)-1] == '.') {
		return HSTSMaxAge + "; includeSubDomains"
	}
	return HSTSMaxAge
}
