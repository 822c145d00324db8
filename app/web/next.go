package web

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxNext is the longest ?next= kept: a real path is far shorter.
const maxNext = 512

// nextLayers is how many rounds of percent-decoding a ?next= may need to
// settle. Each round is one more hop (a browser, a proxy, a handler that
// decodes its path and redirects again) that could undo one more layer; a
// value still changing after that many is an attack, not a link.
const nextLayers = 4

// SafeNext is the one validator of where to go after signing in, signing up
// or redeeming a hand-off (?next= or a form's next): it returns raw when raw
// is a path on this site under every reading a browser or a later hop might
// give it, and "/" otherwise.
//
// Browsers remove ASCII tab, CR and LF anywhere in a URL, treat "\" as "/",
// and read "//host" as another site, so "/\t/evil.example" goes to
// evil.example though it starts with a single slash. SafeNext therefore
// refuses, in raw and in each percent-decoded layer of it: any control
// character or invalid UTF-8; anything not starting with "/"; a
// second "/" or "\" right after it; and "." or ".." segments, which a
// browser would collapse into a leading "//". What is kept is then parsed by
// net/url and must have no scheme, host or user.
func SafeNext(raw string) string {
	if !safeNext(raw) {
		return "/"
	}
	return raw
}

func safeNext(raw string) bool {
	if raw == "" || len(raw) > maxNext {
		return false
	}
	s := raw
	for range nextLayers {
		if !localPath(s) {
			return false
		}
		d := unescapeLenient(s)
		if d == s {
			u, err := url.Parse(raw)
			return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" &&
				strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//")
		}
		s = d
	}
	return false
}

// localPath checks one layer: valid UTF-8 without control characters (a
// browser drops tab, CR and LF anywhere, changing what the rest of the
// string means), one leading slash, and no dot segments in the path.
func localPath(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < ' ' || r >= 0x7f && r <= 0x9f {
			return false
		}
	}
	if len(s) < 1 || s[0] != '/' || len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	path := s
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for _, seg := range strings.Split(strings.ReplaceAll(path, `\`, "/"), "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// unescapeLenient decodes every valid %XX and leaves anything else as it is,
// the way lenient decoders in front of or behind us would.
func unescapeLenient(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
