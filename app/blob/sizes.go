package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"regexp"
	"strconv"
	"strings"

	// Decoders for every type CheckImage accepts.
	_ "image/gif"
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// CoverWidths are the widths an uploaded image is also kept at, for the
// srcset of product cards (a column of 220 to 400 CSS px, so 320 and 640 at
// one and two device pixels per CSS px) and of the product page (up to 640
// CSS px, so 640 and 1280).
//
// The sizes are JPEG: golang.org/x/image decodes WebP but has no encoder,
// and the only WebP encoders for Go are bindings to libwebp (cgo or a
// WebAssembly build), not pure Go, so a modern format would cost the image's
// static build. Transparency is flattened onto white (covers sit on white
// cards). SVG covers (the demo's) scale by themselves and get no sizes.
var CoverWidths = []int{320, 640, 1280}

// maxPixels bounds what is decoded to make sizes (about 100 MB as RGBA): a
// larger image is served as uploaded.
const maxPixels = 25_000_000

// sizedKeyPattern is a size's key: the original's hash, the width, .jpg.
var sizedKeyPattern = regexp.MustCompile(`^img/([0-9a-f]{32})-w([0-9]+)\.jpg$`)

// SizedKey is the key of image key's size at width w; "" for an image that
// has no sizes (an SVG, or a key not made by ContentKey).
func SizedKey(key string, w int) string {
	base, ext, ok := strings.Cut(key, ".")
	if !ok || ext == "svg" || !strings.HasPrefix(base, "img/") || len(base) != len("img/")+32 {
		return ""
	}
	return base + "-w" + strconv.Itoa(w) + ".jpg"
}

func knownWidth(w int) bool {
	for _, cw := range CoverWidths {
		if cw == w {
			return true
		}
	}
	return false
}

// putSizes stores every size of the image body (key's bytes) that is not
// stored yet. Each is scaled from the next larger one (CatmullRom), never up:
// a size wider than the original is the original's width.
func putSizes(ctx context.Context, s Store, key string, body []byte) error {
	var missing []int
	for _, w := range CoverWidths {
		if _, err := s.Stat(ctx, SizedKey(key, w)); errors.Is(err, ErrNotFound) {
			missing = append(missing, w)
		} else if err != nil {
			return &storeError{err}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	src, err := decodeBounded(body)
	if err != nil {
		return err
	}
	for i := len(CoverWidths) - 1; i >= 0; i-- { // largest first, each from the last
		w := CoverWidths[i]
		src = scaleTo(src, w)
		if !contains(missing, w) {
			continue
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 80}); err != nil {
			return err
		}
		if err := s.Put(ctx, SizedKey(key, w), bytes.NewReader(buf.Bytes()), int64(buf.Len()), "image/jpeg"); err != nil {
			return &storeError{err}
		}
	}
	return nil
}

// DeleteImage deletes an image and its sizes, as far as it can (for an
// upload undone: what is left is an orphan, never a broken page).
func DeleteImage(ctx context.Context, s Store, key string) {
	_ = s.Delete(ctx, key)
	for _, w := range CoverWidths {
		if k := SizedKey(key, w); k != "" {
			_ = s.Delete(ctx, k)
		}
	}
}

// storeError is a failure of the store, as against one of the image.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func contains(ws []int, w int) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

// errTooLarge: the image has more pixels than sizes are made from.
var errTooLarge = errors.New("blob: image too large to resize")

func decodeBounded(body []byte) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("%w: %dx%d", errTooLarge, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	return img, err
}

// scaleTo returns src scaled to width w (kept when it is no wider), on an
// opaque white ground.
func scaleTo(src image.Image, w int) image.Image {
	b := src.Bounds()
	if b.Dx() <= w {
		w = b.Dx()
	}
	h := max(1, (b.Dy()*w+b.Dx()/2)/b.Dx())
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	return dst
}

// useOriginal is openSized's answer for an image it cannot make sizes of
// (too large, or not decodable): the page should get the original instead.
type useOriginal struct{ key string }

func (u *useOriginal) Error() string { return "blob: no sizes of " + u.key }

// openSized opens a size of a stored image, making it first when it is
// missing (an image uploaded before sizes were made). It answers
// ErrNotFound for a width not in CoverWidths and an original that is not
// stored, and *useOriginal for one it cannot resize.
func openSized(ctx context.Context, s Store, key string) (io.ReadCloser, Info, error) {
	m := sizedKeyPattern.FindStringSubmatch(key)
	if m == nil {
		return nil, Info{}, ErrNotFound
	}
	if w, _ := strconv.Atoi(m[2]); !knownWidth(w) {
		return nil, Info{}, ErrNotFound
	}
	if rc, info, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
		return rc, info, err
	}
	for _, ext := range []string{".jpg", ".png", ".webp", ".gif"} {
		orig := "img/" + m[1] + ext
		rc, _, err := s.Open(ctx, orig)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, Info{}, err
		}
		body, err := io.ReadAll(io.LimitReader(rc, DefaultMaxImage+1))
		rc.Close()
		if err != nil {
			return nil, Info{}, err
		}
		if err := putSizes(ctx, s, orig, body); err != nil {
			var stored *storeError
			if errors.As(err, &stored) {
				return nil, Info{}, stored.err
			}
			return nil, Info{}, &useOriginal{key: orig}
		}
		return s.Open(ctx, key)
	}
	return nil, Info{}, ErrNotFound
}
