package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// UploadTimeout is the deadline of a request whose body is larger than a
// form (FormLimit): a product file upload, which may take minutes to store.
const UploadTimeout = 10 * time.Minute

// Deadline gives every request's context (c.UserContext) a deadline of
// timeout (UploadTimeout for an upload), so nothing below waits for ever:
// a query still running, or a wait for a pooled connection, ends at the
// deadline and the error exit answers 503 (db.Busy). A body streamed after
// the handler returns (a download) must not use this context.
func Deadline(timeout time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if timeout <= 0 {
			return c.Next()
		}
		d := timeout
		if c.Request().Header.ContentLength() > FormLimit {
			d = max(d, UploadTimeout)
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), d)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}
