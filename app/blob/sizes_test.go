package blob

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 90, A: uint8(128 + x%128)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegSize(t *testing.T, s Store, key string) (int, int) {
	t.Helper()
	rc, info, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	defer rc.Close()
	if info.ContentType != "image/jpeg" {
		t.Fatalf("%s: stored as %q", key, info.ContentType)
	}
	cfg, err := jpeg.DecodeConfig(rc)
	if err != nil {
		t.Fatalf("%s is not a JPEG: %v", key, err)
	}
	return cfg.Width, cfg.Height
}

// TestUploadedImagesAreKeptAtEveryCoverWidth: an upload is stored as sent
// and at each of CoverWidths (JPEG, the height in proportion), never scaled
// up: a size wider than the original is the original's width.
func TestUploadedImagesAreKeptAtEveryCoverWidth(t *testing.T) {
	l, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key, created, err := PutImage(ctx, l, DefaultLimits(), bytes.NewReader(pngOf(t, 1000, 750)))
	if err != nil || !created {
		t.Fatalf("PutImage: %v (created %v)", err, created)
	}
	for _, c := range []struct{ w, wantW, wantH int }{{320, 320, 240}, {640, 640, 480}, {1280, 1000, 750}} {
		if w, h := jpegSize(t, l, SizedKey(key, c.w)); w != c.wantW || h != c.wantH {
			t.Errorf("size %d: %dx%d, want %dx%d", c.w, w, h, c.wantW, c.wantH)
		}
	}
	if SizedKey("img/0123456789abcdef0123456789abcdef.svg", 320) != "" || SizedKey("logo.png", 320) != "" {
		t.Fatal("an SVG or a key not made by ContentKey has sizes")
	}
}

// TestMediaMakesMissingSizesOnce: an image stored before sizes were kept
// gets them when a page first asks; an unknown width and an image that
// cannot be decoded are not made (the latter sends the browser to the
// original).
func TestMediaMakesMissingSizesOnce(t *testing.T) {
	l, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	body := pngOf(t, 800, 600)
	key := ContentKey("img", body, ".png")
	put(t, l, key, string(body), "image/png")
	broken := ContentKey("img", []byte("broken"), ".png")
	put(t, l, broken, "\x89PNG\r\n\x1a\nnot really", "image/png")
	app := fiber.New()
	app.Get("/media/*", MediaHandler(l))
	get := func(path string) *http.Response {
		resp, err := app.Test(httptest.NewRequest(http.MethodGet, path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := get("/media/" + SizedKey(key, 640))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" ||
		resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("a missing size: %d %v", resp.StatusCode, resp.Header)
	}
	for _, w := range CoverWidths { // every size was made, and is stored now
		if _, err := l.Stat(context.Background(), SizedKey(key, w)); err != nil {
			t.Fatalf("size %d not stored: %v", w, err)
		}
	}
	if resp := get("/media/" + SizedKey(key, 500)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a width not in CoverWidths: %d", resp.StatusCode)
	}
	if resp := get("/media/" + SizedKey(ContentKey("img", []byte("gone"), ".png"), 320)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a size of no stored image: %d", resp.StatusCode)
	}
	if resp := get("/media/" + SizedKey(broken, 320)); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/media/"+broken {
		t.Fatalf("a size of an undecodable image: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
