package blob

import (
	"errors"
	"io"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// MediaHandler serves public images (covers, logos) at /media/<key>. Only the
// img/ prefix is public; product files are never served here.
func MediaHandler(store *Local) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := c.Params("*")
		if !strings.HasPrefix(key, "img/") || !ValidKey(key) {
			return fiber.ErrNotFound
		}
		f, err := store.Open(c.UserContext(), key)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadKey) {
			return fiber.ErrNotFound
		}
		if err != nil {
			return err
		}
		defer f.Close()
		body, err := io.ReadAll(io.LimitReader(f, 16<<20))
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(key))
		if ct == "" {
			ct = "application/octet-stream"
		}
		c.Set(fiber.HeaderContentType, ct)
		// Content-addressed keys never change: cache them for a year.
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		c.Set("X-Content-Type-Options", "nosniff")
		if ct == "image/svg+xml" {
			c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'")
		}
		return c.Send(body)
	}
}
