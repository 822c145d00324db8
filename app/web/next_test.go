package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/web"
)

// nextAttacks are ?next= values that must never leave the site: the audit's
// payloads and their relatives. Each is refused, so SafeNext answers "/".
var nextAttacks = []string{
	"/%09/evil.example", "/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
	"/%5Cevil.example", "/%5cevil.example", "/%2F/evil.example", "/%2f%2fevil.example", "%2F%2Fevil.example",
	"/%0d/evil.example", "/%0A/evil.example", "/\r\n/evil.example", "/%00/evil.example", "/%252F/evil.example",
	"/%25252F%25252Fevil.example", "\\\\evil.example", " //evil.example",
	"javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "http:/evil.example", "http:evil.example",
	"/.//evil.example", "/./%2Fevil.example", "/x/..//evil.example", "/%2e%2e//evil.example", "/\\/evil.example",
	"/%E2%80%8B/x\xff", "/x\xc0\xaf", "/\u0085/evil.example", "/%C2%85/evil.example", "", "evil.example",
	"/" + strings.Repeat("a", 600),
}

func TestSafeNextRefusesEveryWayOffTheSite(t *testing.T) {
	for _, next := range nextAttacks {
		if got := web.SafeNext(next); got != "/" {
			t.Errorf("SafeNext(%q) = %q, want /", next, got)
		}
	}
	for _, next := range []string{"/", "/library", "/p/some-product?ref=x", "/search?q=a%20b&tag=c", "/caf%C3%A9",
		"/handoff?next=%2Fcart&to=shop.example", "/x#frag", "/search?q=100%25", "/a//b"} {
		if got := web.SafeNext(next); got != next {
			t.Errorf("SafeNext(%q) = %q, want it kept", next, got)
		}
	}
}

// FuzzSafeNext: whatever the input, the answer is a path starting with a
// single "/" that, resolved against the site, stays on the site; and so does
// every reading of it a browser or a decoding hop might make.
func FuzzSafeNext(f *testing.F) {
	for _, s := range nextAttacks {
		f.Add(s)
	}
	f.Add("/library")
	f.Add("/search?q=x&tag=y#z")
	base, _ := url.Parse("https://claro.test/")
	f.Fuzz(func(t *testing.T, raw string) {
		got := web.SafeNext(raw)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("SafeNext(%q) = %q: not a single-slash path", raw, got)
		}
		for s, i := got, 0; i < 6; i++ {
			for _, reading := range []string{s, browserish(s)} {
				ref, err := url.Parse(reading)
				if err != nil {
					if i == 0 && reading == got {
						t.Fatalf("SafeNext(%q) = %q, which net/url cannot parse: %v", raw, got, err)
					}
					continue
				}
				if u := base.ResolveReference(ref); u.Host != "claro.test" || u.Scheme != "https" {
					t.Fatalf("SafeNext(%q) = %q; read as %q it goes to %s", raw, got, reading, u)
				}
			}
			d, err := url.PathUnescape(s)
			if err != nil || d == s {
				break
			}
			s = d
		}
	})
}

// browserish is what a browser's URL parser does before it reads a
// reference: tab, CR and LF vanish, and a backslash is a slash.
func browserish(s string) string {
	s = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(s)
	return strings.ReplaceAll(s, `\`, "/")
}
