package tenants

import (
	"net"
	"strings"
)

// maxHostLen bounds a Host header; DNS names are at most 253 characters.
const maxHostLen = 253

// ParseHost normalises a raw Host header value into a lower-case DNS name
// without port or trailing dot. It accepts only LDH labels (letters, digits,
// hyphens; punycode xn-- labels are LDH), so Unicode, NUL bytes, IP literals,
// empty labels and over-long names are refused with ok == false.
func ParseHost(raw string) (host string, ok bool) {
	if raw == "" || len(raw) > maxHostLen+7 {
		return "", false
	}
	h := raw
	if strings.HasPrefix(h, "[") {
		return "", false // IPv6 literal
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		port := h[i+1:]
		if port == "" || len(port) > 5 {
			return "", false
		}
		for j := 0; j < len(port); j++ {
			if port[j] < '0' || port[j] > '9' {
				return "", false
			}
		}
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > maxHostLen {
		return "", false
	}
	b := make([]byte, len(h))
	labelStart := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '-':
			if i == labelStart || i+1 == len(h) || h[i+1] == '.' {
				return "", false
			}
		case c == '.':
			if i == labelStart || i-labelStart > 63 {
				return "", false
			}
			labelStart = i + 1
		default:
			return "", false
		}
		b[i] = c
	}
	if len(h)-labelStart > 63 {
		return "", false
	}
	host = string(b)
	if net.ParseIP(host) != nil || isAllDigitsTLD(host) {
		return "", false
	}
	return host, true
}

// isAllDigitsTLD refuses dotted-quad look-alikes such as 127.1 or 10.0.0.1:
// no real top-level domain is all digits.
func isAllDigitsTLD(h string) bool {
	tld := h[strings.LastIndexByte(h, '.')+1:]
	for i := 0; i < len(tld); i++ {
		if tld[i] < '0' || tld[i] > '9' {
			return false
		}
	}
	return true
}
