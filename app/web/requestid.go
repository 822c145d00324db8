package web

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/gofiber/fiber/v2/utils"
)

// RequestIDs gives every request a new id, sent back as X-Request-Id and
// quoted by its log lines and error pages (RequestID), in the form Fiber's
// requestid middleware makes (a UUID from a random seed and a counter).
// Unlike that middleware it never takes the id a request brings: the id a
// visitor reads out from an error page must name one request of ours, not
// one a client chose, perhaps another request's. Its bytes live in the
// request's client record (ClientAddress, installed before it), so no
// string is made or boxed per request and the header name is not
// normalised again each time: Fiber's middleware was about a tenth of the
// middleware's time on a cached page under load.
func RequestIDs() fiber.Handler {
	header := []byte("X-Request-Id") // fiber.HeaderXRequestID in the canonical form SetCanonical needs
	return func(c *fiber.Ctx) error {
		cl, _ := c.Locals(clientKey{}).(*client)
		if cl == nil { // no ClientAddress in front (a test's small app)
			id := utils.UUID()
			c.Set(fiber.HeaderXRequestID, id)
			c.Locals(requestid.ConfigDefault.ContextKey, id)
			return c.Next()
		}
		newID(&cl.idBuf)
		cl.id = utils.UnsafeString(cl.idBuf[:])
		c.Response().Header.SetCanonical(header, cl.idBuf[:]) // copied in
		return c.Next()
	}
}

var (
	idSeed    [16]byte
	idCounter atomic.Uint64
)

func init() {
	if _, err := rand.Read(idSeed[:]); err != nil {
		panic("web: no randomness for request ids: " + err.Error())
	}
	idCounter.Store(binary.LittleEndian.Uint64(idSeed[:8]))
}

// newID writes a fresh id into b: Fiber's utils.UUID, without the string.
func newID(b *[36]byte) {
	u := idSeed
	binary.LittleEndian.PutUint64(u[:8], idCounter.Add(1))
	u[6], u[9] = u[9], u[6]
	u[6] = (u[6] & 0x0f) | 0x40 // RFC 4122 version 4
	u[8] = u[8]&0x3f | 0x80
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
}
