package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

type asset struct {
	body  []byte
	ctype string
	hash  string
}

// Assets serves the embedded static files under /static/ with content-hashed
// URLs: a URL carrying the current hash is cached for a year as immutable.
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
		a.files[p] = asset{body: b, ctype: ct, hash: hex.EncodeToString(sum[:])[:12]}
		return nil
	})
	return a, err
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
	c.Set(fiber.HeaderETag, `"`+f.hash+`"`)
	if c.Get(fiber.HeaderIfNoneMatch) == `"`+f.hash+`"` {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.ctype)
	return c.Send(f.body)
}
