package blob

import (
	"context"
	"errors"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Entitled reports whether userID may still download the product file stored
// under key; DownloadHandler asks it again when a signed link is redeemed
// (library.Store.EntitledToFile is one).
type Entitled func(ctx context.Context, userID int64, key string) (bool, error)

// DownloadHandler serves DownloadPrefix+":token": the blob a token signed by
// signer grants to the signed-in user (currentUserID answers 0 for nobody).
// A local store streams the blob through the app as an attachment; an S3
// store set to presign redirects to its own URL, valid no longer than the
// token. Any invalid, expired, foreign, dangling or no longer entitled link answers
// fiber.ErrNotFound, the app's one 404 page, saying nothing of why.
func DownloadHandler(store Store, signer *Signer, currentUserID func(*fiber.Ctx) int64, entitled Entitled) fiber.Handler {
	return func(c *fiber.Ctx) error {
		g, err := signer.Verify(c.Params("token"), currentUserID(c))
		if err != nil {
			return fiber.ErrNotFound
		}
		// A link outlives nothing it was signed for: a refund or dispute
		// since it was handed out ends it too.
		if ok, err := entitled(c.UserContext(), g.UserID, g.Key); err != nil {
			return err
		} else if !ok {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderCacheControl, "private, no-store")
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		ctx := c.UserContext()
		if p, ok := store.(Presigner); ok {
			u, ok, err := p.PresignGet(ctx, g.Key, g.Name, signer.Remaining(g))
			if err != nil {
				return notFound(err)
			}
			if ok {
				return c.Redirect(u, fiber.StatusFound)
			}
		}
		// The body is read after the handler returns, past the request's
		// deadline (web.Deadline): the open file must not end with it.
		rc, info, err := store.Open(context.WithoutCancel(ctx), g.Key)
		if err != nil {
			return notFound(err)
		}
		c.Set(fiber.HeaderContentType, info.ContentType)
		c.Set(fiber.HeaderContentDisposition, attachment(g.Name))
		// Were the file ever opened in place, it would run nothing.
		c.Set(fiber.HeaderContentSecurityPolicy, "sandbox; default-src 'none'")
		// fasthttp reads and closes rc after the handler returns.
		return c.SendStream(rc, int(info.Size))
	}
}

// MediaHandler serves public images (covers, logos) at /media/<key>. Only the
// img/ prefix is public; product files are never served here.
func MediaHandler(store Store) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := c.Params("*")
		if !strings.HasPrefix(key, "img/") || !ValidKey(key) {
			return fiber.ErrNotFound
		}
		rc, info, err := store.Open(context.WithoutCancel(c.UserContext()), key) // streamed past the deadline
		if errors.Is(err, ErrNotFound) && sizedKeyPattern.MatchString(key) {
			// A size not made yet (an image from before sizes were kept).
			rc, info, err = openSized(c.UserContext(), store, key)
			var orig *useOriginal
			if errors.As(err, &orig) {
				c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
				return c.Redirect("/media/"+orig.key, fiber.StatusFound)
			}
		}
		if err != nil {
			return notFound(err)
		}
		// The type follows the key's extension, which the app chose from the
		// sniffed bytes, never the uploader's word.
		ct := mime.TypeByExtension(path.Ext(key))
		if ct == "" {
			ct = DefaultContentType
		}
		c.Set(fiber.HeaderContentType, ct)
		// Content-addressed keys never change: cache them for a year.
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		if ct == "image/svg+xml" {
			// Only the app's own generated covers are SVG (users cannot
			// upload one); even so, nothing in them may run or load.
			c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'")
		}
		return c.SendStream(rc, int(info.Size))
	}
}

// notFound turns a missing blob into the 404 page; other errors stay errors.
func notFound(err error) error {
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadKey) {
		return fiber.ErrNotFound
	}
	return err
}

// attachment is a Content-Disposition that saves the download as name, with
// path separators and control characters replaced; non-ASCII names are
// percent-encoded per RFC 2231 (the filename* parameter).
func attachment(name string) string {
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(name, "_")))
	if name == "" || strings.Trim(name, ".") == "" {
		name = "download"
	}
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}
