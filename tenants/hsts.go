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
	if h, ok := trimHost(host); ok {
		if valid, lower := checkName(h); valid {
			if !lower { // lower case is what browsers send: only other hosts pay for a copy
				h = strings.ToLower(h)
			}
			if h == root || (len(h) > len(root) && h[len(h)-len(root)-1] == '.' && h[len(h)-len(root):] == root) {
				return HSTSMaxAge + "; includeSubDomains"
			}
		}
	}
	return HSTSMaxAge
}
