package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

type asset struct {
	body  []byte
	ctype string
	hash  string
	// br and gz are the body in brotli and gzip, computed once at start-up
	// (nil when the type is not worth it or the coding saves nothing).
	br, gz []byte
}

// Assets serves the embedded static files under /static/ with content-hashed
// URLs: a URL carrying the current hash is cached for a year as immutable.
// Text files (CSS, JavaScript, SVG) are also kept in brotli and gzip,
// compressed once when the app starts, and served in whichever the browser
// prefers (Accept-Encoding, q-values honoured).
type Assets struct{ files map[string]asset }

// NewAssets reads and hashes every file once at start-up.
func NewAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{files: map[string]asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		f := asset{body: b, ctype: ct, hash: hex.EncodeToString(sum[:])[:12]}
		if compressible(ct) && len(b) >= MinCompress {
			f.br, f.gz = precompressed(hex.EncodeToString(sum[:]), b)
		}
		a.files[p] = f
		return nil
	})
	return a, err
}

// compressedByHash keeps each file's compressed forms by its content, so the
// apps a process builds (every test builds several) compress a file once.
var compressedByHash sync.Map // sha256 hex -> [2][]byte{br, gz}

func precompressed(sum string, b []byte) (br, gz []byte) {
	if v, ok := compressedByHash.Load(sum); ok {
		c := v.([2][]byte)
		return c[0], c[1]
	}
	br, gz = Brotli(b), Gzip(b)
	// A coding that saves under a tenth is not worth a decoder's time.
	if len(br) > len(b)*9/10 {
		br = nil
	}
	if len(gz) > len(b)*9/10 {
		gz = nil
	}
	compressedByHash.Store(sum, [2][]byte{br, gz})
	return br, gz
}

// URL is the cache-busting URL of a static file (templates call it "asset").
func (a *Assets) URL(name string) string {
	if f, ok := a.files[name]; ok {
		return "/static/" + name + "?v=" + f.hash
	}
	return "/static/" + name
}

// Has reports whether a file is present (htmx is built, not committed).
func (a *Assets) Has(name string) bool { _, ok := a.files[name]; return ok }

// Handler serves /static/*.
func (a *Assets) Handler(c *fiber.Ctx) error {
	f, ok := a.files[c.Params("*")]
	if !ok {
		return ErrNotFound
	}
	if c.Query("v") == f.hash {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	return f.send(c)
}

// Favicon serves /favicon.ico on every host (browsers ask for it whatever
// the page links), cached for a day.
func (a *Assets) Favicon(c *fiber.Ctx) error {
	f, ok := a.files["favicon.ico"]
	if !ok {
		return ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return f.send(c)
}

// send answers with the file in the coding the request prefers, each coding
// with its own ETag (they are different bytes), or 304 when the browser
// holds that one.
func (f asset) send(c *fiber.Ctx) error {
	var offered []string
	if f.br != nil {
		offered = append(offered, EncodingBrotli)
	}
	if f.gz != nil {
		offered = append(offered, EncodingGzip)
	}
	body, etag := f.body, `"`+f.hash+`"`
	if len(offered) > 0 {
		c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
		switch PickEncoding(c.Get(fiber.HeaderAcceptEncoding), offered...) {
		case EncodingBrotli:
			body, etag = f.br, `"`+f.hash+`-br"`
			c.Set(fiber.HeaderContentEncoding, EncodingBrotli)
		case EncodingGzip:
			body, etag = f.gz, `"`+f.hash+`-gz"`
			c.Set(fiber.HeaderContentEncoding, EncodingGzip)
		}
	}
	c.Set(fiber.HeaderETag, etag)
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		c.Response().Header.Del(fiber.HeaderContentEncoding)
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.ctype)
	return c.Send(body)
}
