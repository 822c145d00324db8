package seed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// titleTSpans parses svg and returns the text of each <tspan> inside the
// <text class="title"> element, failing the test on any XML error.
func titleTSpans(t *testing.T, svg []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var spans []string
	inTitle, inSpan := false, false
	var cur strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("invalid XML: %v\n%s", err, svg)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			switch tk.Name.Local {
			case "text":
				for _, a := range tk.Attr {
					if a.Name.Local == "class" && a.Value == "title" {
						inTitle = true
					}
				}
			case "tspan":
				if inTitle {
					inSpan = true
					cur.Reset()
				}
			}
		case xml.CharData:
			if inSpan {
				cur.Write(tk)
			}
		case xml.EndElement:
			switch tk.Name.Local {
			case "tspan":
				if inSpan {
					spans = append(spans, cur.String())
					inSpan = false
				}
			case "text":
				inTitle = false
			}
		}
	}
	return spans
}

func TestCoverSVGDeterministic(t *testing.T) {
	a := CoverSVG("Coastal Film: 12 Lightroom Presets", "Northlight Studio", "#2f6f8f", 42)
	b := CoverSVG("Coastal Film: 12 Lightroom Presets", "Northlight Studio", "#2f6f8f", 42)
	if !bytes.Equal(a, b) {
		t.Fatal("same inputs produced different output")
	}
	c := CoverSVG("Coastal Film: 12 Lightroom Presets", "Northlight Studio", "#2f6f8f", 43)
	if bytes.Equal(a, c) {
		t.Fatal("different seeds produced identical output")
	}
}

func TestCoverSVGValidXML(t *testing.T) {
	cases := []struct {
		title, store, accent string
		seed                 int64
	}{
		{"Harbor Serif: Text Family", "Typeyard", "#1f8a5b", 1},
		{"Ambient Textures Vol. 1", "Soundloft", "#d9822b", -7},
		{"", "", "", 0},
		{"Lucía's Ünïcödé “quotes” — and emoji 🎧", "Café & Co", "not-a-colour", 1 << 62},
		{"Bright", "Store", "#fafafa", 99},
	}
	for _, tc := range cases {
		svg := CoverSVG(tc.title, tc.store, tc.accent, tc.seed)
		if !bytes.HasPrefix(svg, []byte("<svg ")) {
			t.Errorf("%q: output does not start with <svg", tc.title)
		}
		titleTSpans(t, svg) // fails on invalid XML
		if !bytes.Contains(svg, []byte(`viewBox="0 0 800 600"`)) {
			t.Errorf("%q: missing 800x600 viewBox", tc.title)
		}
	}
}

func TestCoverSVGEscapesText(t *testing.T) {
	title := `Evil <script>&"' & <b>bold</b> title`
	store := `<script>&"'`
	svg := CoverSVG(title, store, "#6b4de6", 5)
	if bytes.Contains(svg, []byte("<script>")) {
		t.Fatalf("raw <script> found in output:\n%s", svg)
	}
	spans := titleTSpans(t, svg)
	got := strings.Join(spans, " ")
	if got != title {
		t.Errorf("decoded title = %q, want %q", got, title)
	}
	if !bytes.Contains(svg, []byte("&lt;script&gt;&amp;")) {
		t.Errorf("expected escaped store name in output:\n%s", svg)
	}
}

func TestCoverSVGWrapsLongTitles(t *testing.T) {
	titles := []string{
		"Short",
		"Editing in Lightroom Classic: From Import to Export",
		"The Grant Writing Handbook for Artists",
		strings.Repeat("an extraordinarily long title that keeps going ", 8),
		strings.Repeat("x", 200),
	}
	for _, title := range titles {
		spans := titleTSpans(t, CoverSVG(title, "Store", "#8c3b2e", 3))
		if len(spans) < 1 || len(spans) > 3 {
			t.Errorf("%q: got %d title lines, want 1-3", title, len(spans))
		}
		for _, s := range spans {
			if n := len([]rune(s)); n > 27 {
				t.Errorf("%q: line %q is %d runes, want <= 27", title, s, n)
			}
		}
	}
	long := CoverSVG(strings.Repeat("word ", 60), "Store", "#8c3b2e", 3)
	spans := titleTSpans(t, long)
	if len(spans) != 3 || !strings.HasSuffix(spans[2], "…") {
		t.Errorf("overlong title should be truncated to 3 lines ending in an ellipsis, got %q", spans)
	}
}
