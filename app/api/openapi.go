package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDoc is the API's OpenAPI 3.1 description, written by hand: the
// routes are few and their prose (scopes, errors, examples) is the point,
// which no generator from Go types writes; TestOpenAPIDocumentMatchesTheRoutes
// fails when a route and the document disagree.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI is the document served at /api/v1/openapi.json.
func OpenAPI() []byte { return openAPIDoc }

func openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(openAPIDoc)
}
