package catalog

import (
	"strings"
	"testing"
)

func TestMarkdownIsRenderedAndSanitised(t *testing.T) {
	r := NewRenderer()
	out, err := r.Render("# Hello\n\n- one\n- **two**\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n[site](https://example.com)")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h1", "Hello", "<li>one</li>", "<strong>two</strong>", `href="https://example.com"`, `rel="nofollow`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"<script", "javascript:", "onerror"} {
		if strings.Contains(out, bad) {
			t.Errorf("output keeps %q:\n%s", bad, out)
		}
	}
}
