package web

import (
	"bytes"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// unreadable is the sentence for a parameter no handler could use.
const unreadable = "That address or form holds characters we cannot read (a NUL byte or text that is not UTF-8). Check it and try again."

// CleanQuery refuses with a 400 a request whose path or query parameters,
// once percent-decoded, hold a NUL byte or invalid UTF-8: PostgreSQL refuses
// such text, so it would otherwise surface as a 500 (and an ERROR line) from
// whichever handler first hands it to a query. It runs before anything reads
// a parameter; the body is CleanForm's, after the body cap.
func CleanQuery(c *fiber.Ctx) error {
	uri := c.Request().URI()
	if !readable(uri.Path()) || !argsReadable(uri.QueryArgs().VisitAll) {
		return BadRequest(unreadable)
	}
	return c.Next()
}

// CleanForm is CleanQuery for a urlencoded form body. It belongs after
// BodyCaps, since it reads the body, and before CSRF, the first reader of a
// form. A multipart body is not read here: the routes that take one decide
// how much of it to read.
func CleanForm(c *fiber.Ctx) error {
	if bytes.HasPrefix(c.Request().Header.ContentType(), []byte(fiber.MIMEApplicationForm)) &&
		!argsReadable(c.Request().PostArgs().VisitAll) {
		return BadRequest(unreadable)
	}
	return c.Next()
}

func argsReadable(visit func(func(k, v []byte))) bool {
	ok := true
	visit(func(k, v []byte) { ok = ok && readable(k) && readable(v) })
	return ok
}

func readable(b []byte) bool { return bytes.IndexByte(b, 0) < 0 && utf8.Valid(b) }
