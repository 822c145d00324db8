// Package web is Claro's HTTP plumbing on Fiber: the server settings, the
// middleware every request passes (request id, recover, access log, tenant),
// rendering of full pages and htmx fragments, and the one error exit that turns
// errors into pages. Domain packages register their own routes on it.
package web

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Options are the settings New needs.
type Options struct {
	Views          fiber.Views
	TrustedProxies []string
	Production     bool
	Logger         *slog.Logger
	Errors         *ErrorPages // nil: Fiber's plain-text errors (a test's small app)
	// ReadTimeout is how long a connection may take to send a request
	// (and may sit idle between two), DefaultTimeout when zero. An
	// upload's body gets UploadTimeout instead (BodyCaps).
	ReadTimeout time.Duration
}

// DefaultTimeout is the server's read, idle and write timeout.
const DefaultTimeout = 60 * time.Second

// Request body caps, decided per route from the headers before any body byte
// past the first read buffer is read. Fiber's BodyLimit is app-wide, so it is
// set to the largest upload; BodyCaps lowers it to FormLimit for every request
// that is not a signed-in creator's upload.
const (
	MaxUpload = 520 << 20 // a product file (blob.DefaultMaxFile) and its form
	FormLimit = 1 << 20   // every other request: the largest form is a few KB of text
)

// New builds the Fiber app with Claro's safe defaults: forwarded headers
// (X-Forwarded-Host/Proto) are believed only from TRUSTED_PROXIES (the client
// address is RequestRecord's business), request bodies are streamed and
// multipart bodies never pre-parsed (fasthttp would otherwise spool a
// multipart body to temporary files before any middleware could refuse it),
// and every error goes through one handler.
func New(o Options) *fiber.App {
	read := o.ReadTimeout
	if read <= 0 {
		read = DefaultTimeout
	}
	errs := fiber.DefaultErrorHandler
	if o.Errors != nil {
		errs = o.Errors.Handle
	}
	return fiber.New(fiber.Config{
		AppName:                      "claro",
		Views:                        o.Views,
		ErrorHandler:                 errs,
		EnableTrustedProxyCheck:      true,
		TrustedProxies:               o.TrustedProxies,
		BodyLimit:                    MaxUpload,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		// Read and idle alike, so that the listener's coalescing
		// (edge.QuietDeadlines) re-arms a busy connection's read deadline
		// about once a second rather than twice per request.
		ReadTimeout:           read,
		WriteTimeout:          DefaultTimeout,
		IdleTimeout:           read,
		DisableStartupMessage: true,
		ReadBufferSize:        16 << 10,
	})
}

// BodyCaps decides each request's body cap from its headers, before anything
// reads the body: uploadLimit answers the cap of a route that may carry an
// upload (0 for every other, capped at FormLimit). A small multipart body is
// read into memory here, once it is known to fit, so that parsing it later
// (the CSRF token, a form value) never spools a part to a temporary file;
// only an upload route's body is streamed. A body without a Content-Length
// (chunked) is refused everywhere: a stream of unknown length could not be
// capped before it is read.
func BodyCaps(uploadLimit func(c *fiber.Ctx) int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		limit := uploadLimit(c)
		if limit > 0 {
			return capBody(c, limit, func() {
				if isUpload(c) {
					// The connection's read deadline was set when the
					// request began (the server's ReadTimeout) and the
					// streamed body is read under it: an upload of
					// hundreds of megabytes must have the minutes its
					// request's context has (Deadline).
					_ = c.Context().Conn().SetReadDeadline(time.Now().Add(UploadTimeout))
				}
			})
		}
		return capBody(c, FormLimit, func() {
			if isMultipart(c) {
				c.Request().Body() // at most FormLimit; a body in memory is parsed in memory
			}
		})
	}
}

// BodyCap refuses a request whose body is larger than limit with 413 before
// anything reads it; a body of unknown length (chunked) is a 411.
func BodyCap(limit int) fiber.Handler {
	return func(c *fiber.Ctx) error { return capBody(c, limit) }
}

// capBody refuses a body over limit, or of unknown length; then runs accepted
// (if any) and the next handler.
func capBody(c *fiber.Ctx, limit int, accepted ...func()) error {
	switch n := c.Request().Header.ContentLength(); {
	case n == -1: // chunked: the length is unknown until the stream is read
		return refuseBody(c, fiber.StatusLengthRequired, "That request must say how large it is.")
	case n > limit:
		return refuseBody(c, fiber.StatusRequestEntityTooLarge, "That request is too large.")
	}
	for _, f := range accepted {
		f()
	}
	return c.Next()
}

// refuseBody answers before the body is read and closes the connection, so
// the unread body is never read, nor taken for the next request.
func refuseBody(c *fiber.Ctx, status int, message string) error {
	c.Context().SetConnectionClose()
	return Refuse(status, message)
}

// isUpload reports whether the request's body is larger than any form's: a
// file upload, whose request (Deadline) and connection (BodyCaps) get
// UploadTimeout.
func isUpload(c *fiber.Ctx) bool { return c.Request().Header.ContentLength() > FormLimit }

func isMultipart(c *fiber.Ctx) bool {
	ct := c.Request().Header.ContentType()
	return len(ct) >= 10 && strings.EqualFold(string(ct[:10]), "multipart/")
}
