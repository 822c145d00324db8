package web

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/template/html/v2"
)

func testLayouts(t *testing.T) *Layouts {
	t.Helper()
	fsys := fstest.MapFS{
		"layouts/base.html": {Data: []byte(`<title>{{.Title}}</title><main>{{embed}}</main><footer>{{.Title}}</footer>`)},
		"pages/ok.html":     {Data: []byte(`<p>{{.Title}}</p>`)},
		"pages/broken.html": {Data: []byte(`<p>{{.Missing.Field}}</p>`)},
	}
	l, err := NewLayouts(html.NewFileSystem(http.FS(fsys), ".html"), fsys, ".html", "layouts/base")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestAPageRendersInsideItsLayout(t *testing.T) {
	var out strings.Builder
	if err := testLayouts(t).Render(&out, "pages/ok", struct{ Title string }{"Hi"}, "layouts/base"); err != nil {
		t.Fatal(err)
	}
	if want := `<title>Hi</title><main><p>Hi</p></main><footer>Hi</footer>`; out.String() != want {
		t.Fatalf("rendered %q, want %q", out.String(), want)
	}
}

// The html engine's own {{embed}} prints a failing page's error into the
// layout; Layouts returns it, so the error exit answers instead.
func TestAFailingPageInsideTheLayoutIsAnErrorNotText(t *testing.T) {
	var out strings.Builder
	err := testLayouts(t).Render(&out, "pages/broken", struct{ Title string }{"Hi"}, "layouts/base")
	if err == nil {
		t.Fatalf("a page that cannot render was rendered: %q", out.String())
	}
	if strings.Contains(out.String(), "Missing") || strings.Contains(out.String(), "</footer>") {
		t.Fatalf("the failure went into the page: %q", out.String())
	}
}

func TestALayoutWithoutOneSlotIsRefusedAtLoad(t *testing.T) {
	fsys := fstest.MapFS{"layouts/base.html": {Data: []byte(`<main>{{embed}}{{embed}}</main>`)}}
	if _, err := NewLayouts(html.NewFileSystem(http.FS(fsys), ".html"), fsys, ".html", "layouts/base"); err == nil {
		t.Fatal("a layout with two slots loaded")
	}
}
