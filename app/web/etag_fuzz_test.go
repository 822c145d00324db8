package web

import (
	"strings"
	"testing"
)

// FuzzETagList: any If-None-Match value is read without panicking, and a
// list holding the page's validator (weak or not) always matches it.
func FuzzETagList(f *testing.F) {
	f.Add(`W/"abc"`, uint64(1))
	f.Add(`*`, uint64(0))
	f.Add(`"a", W/"b" ,,`, uint64(1<<63))
	f.Fuzz(func(t *testing.T, list string, sum uint64) {
		etag := string(appendETag(nil, sum))
		etagListHas(list, etag)
		if !etagListHas(list+", "+etag, etag) || !etagListHas(strings.TrimPrefix(etag, "W/"), etag) {
			t.Fatalf("%q does not match in %q", etag, list)
		}
	})
}
