package tenants

import "strings"

// maxHostLen bounds a Host header; DNS names are at most 253 characters.
const maxHostLen = 253

// ParseHost normalises a raw Host header value into a lower-case DNS name
// without port or trailing dot. It accepts only LDH labels (letters, digits,
// hyphens; punycode xn-- labels are LDH), so Unicode, NUL bytes, IP literals,
// empty labels and over-long names are refused with ok == false.
func ParseHost(raw string) (host string, ok bool) {
	h, ok := normalHost(raw)
	if !ok {
		return "", false
	}
	return strings.Clone(h), true // raw may be a view of a request's buffer
}

// normalHost is ParseHost's answer without its copy: a part of raw when raw
// is in lower case already (what browsers send), for callers that only
// look at the name.
func normalHost(raw string) (string, bool) {
	h, ok := trimHost(raw)
	if !ok {
		return "", false
	}
	valid, lower := checkName(h)
	if !valid {
		return "", false
	}
	if !lower {
		h = strings.ToLower(h)
	}
	return h, true
}

// trimHost is raw without its port and trailing dot, as ParseHost reads it;
// ok is false for what ParseHost refuses before looking at the name (an
// IPv6 literal, a malformed port, an empty or over-long value). The result
// is a part of raw: nothing is copied.
func trimHost(raw string) (string, bool) {
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
	return h, true
}

// checkName reports whether h (trimmed) is a name ParseHost accepts, and
// whether it is in lower case already, reading it without copying it.
func checkName(h string) (valid, lower bool) {
	lower = true
	labelStart := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c >= 'A' && c <= 'Z':
			lower = false
		case c == '-':
			if i == labelStart || i+1 == len(h) || h[i+1] == '.' {
				return false, false
			}
		case c == '.':
			if i == labelStart || i-labelStart > 63 {
				return false, false
			}
			labelStart = i + 1
		default:
			return false, false
		}
	}
	if len(h)-labelStart > 63 {
		return false, false
	}
	// Every IP literal is refused by now: IPv6 needs a ':', and a dotted
	// IPv4 address ends in an all-digit label. (net.ParseIP, asked here
	// before, allocated its error for every real name.)
	if isAllDigitsTLD(h) {
		return false, false
	}
	return true, lower
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
