package web

import (
	"strings"
	"testing"
)

// FuzzETagList: any If-None-Match value is read without panicking, and a
// list holding the page's validator (weak or not) always matches it.
func FuzzETagList(f *testing.F) {
	f.Add(`W/"abc-1"`, "x")
	f.Add(`*`, "")
	f.Add(`"a", W/"b" ,,`, "\x00")
	f.Fuzz(func(t *testing.T, list, token string) {
		etag := string(appendETag(nil, 42, []byte(token)))
		etagListHas(list, etag)
		if !etagListHas(list+", "+etag, etag) || !etagListHas(strings.TrimPrefix(etag, "W/"), etag) {
			t.Fatalf("%q does not match in %q", etag, list)
		}
	})
}
