package blob

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
)

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		img.Set(x, x%24, color.RGBA{R: 200, G: uint8(x * 8), B: 40, A: 255})
	}
	return img
}

func encoded(t *testing.T, enc func(io.Writer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpHeader is the start of a lossy WebP file: RIFF, size, WEBP, VP8 chunk.
var webpHeader = []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00\x30\x01\x00\x9d\x01\x2a\x01\x00\x01\x00")

func TestCheckImageAccepts(t *testing.T) {
	l := DefaultLimits()
	for _, tc := range []struct {
		name, ext, ct string
		body          []byte
	}{
		{"png", ".png", "image/png", encoded(t, png.Encode)},
		{"jpeg", ".jpg", "image/jpeg", encoded(t, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })},
		{"gif", ".gif", "image/gif", encoded(t, func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) })},
		{"webp", ".webp", "image/webp", webpHeader},
	} {
		header, _, err := ReadHeader(bytes.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		ext, ct, err := l.CheckImage(header, int64(len(tc.body)))
		if err != nil || ext != tc.ext || ct != tc.ct {
			t.Errorf("%s: CheckImage = %q, %q, %v; want %q, %q", tc.name, ext, ct, err, tc.ext, tc.ct)
		}
	}
}

func TestCheckImageRefuses(t *testing.T) {
	l := DefaultLimits()
	pngBody := encoded(t, png.Encode)
	const msg = "Images must be PNG, JPEG, WebP or GIF, up to 5 MB."
	for _, tc := range []struct {
		name string
		body []byte
		size int64
		want error
	}{
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 0, ErrImageType},
		{"svg with xml prolog", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), 0, ErrImageType},
		{"html renamed .png", []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script>"), 0, ErrImageType},
		{"text", []byte("just words"), 0, ErrImageType},
		{"pdf", []byte("%PDF-1.7\n"), 0, ErrImageType},
		{"oversized png", pngBody, DefaultMaxImage + 1, ErrImageTooLarge},
	} {
		size := tc.size
		if size == 0 {
			size = int64(len(tc.body))
		}
		_, _, err := l.CheckImage(tc.body, size)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			continue
		}
		if err.Error() != msg {
			t.Errorf("%s: message %q, want %q", tc.name, err, msg)
		}
	}
	if _, _, err := l.CheckImage(nil, 0); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	// A limit of exactly MaxImage is allowed; a custom limit shows in the text.
	if _, _, err := l.CheckImage(pngBody, DefaultMaxImage); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	small := Limits{MaxImage: 1 << 20}
	if _, _, err := small.CheckImage(pngBody, 2<<20); err == nil || !strings.Contains(err.Error(), "up to 1 MB") {
		t.Errorf("custom limit: %v", err)
	}
}

func TestCheckFile(t *testing.T) {
	l := Limits{} // zero means the defaults
	for header, want := range map[string]string{
		"%PDF-1.7\n":            "application/pdf",
		"PK\x03\x04\x14\x00":    "application/zip",
		"plain words":           "text/plain; charset=utf-8",
		"<html><body>hi</body>": "text/html; charset=utf-8",
		"\x00\x01\x02\x03":      "application/octet-stream",
	} {
		ct, err := l.CheckFile([]byte(header), 300<<20)
		if err != nil || ct != want {
			t.Errorf("CheckFile(%q) = %q, %v; want %q", header, ct, err, want)
		}
	}
	_, err := l.CheckFile([]byte("%PDF"), DefaultMaxFile+1)
	if !errors.Is(err, ErrFileTooLarge) || err.Error() != "Files can be up to 512 MB." {
		t.Errorf("oversized: %v", err)
	}
	if _, err := l.CheckFile(nil, 0); !errors.Is(err, ErrEmpty) || err.Error() != "The file is empty." {
		t.Errorf("empty: %v", err)
	}
}

func TestReadHeaderKeepsTheWhole(t *testing.T) {
	body := strings.Repeat("0123456789", 100)
	header, whole, err := ReadHeader(strings.NewReader(body))
	if err != nil || len(header) != SniffLen {
		t.Fatalf("header %d bytes, %v", len(header), err)
	}
	if all, _ := io.ReadAll(whole); string(all) != body {
		t.Fatalf("whole = %d bytes, want %d", len(all), len(body))
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{5 << 20: "5 MB", 512 << 20: "512 MB", 1 << 30: "1 GB", 3 << 29: "1.5 GB", 300 << 10: "300 KB", 10: "10 bytes"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
