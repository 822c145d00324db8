package web

import (
	"strings"

	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// The JSON API on the marketplace (/api/...) answers every refusal in one
// shape, {"error":{"code":"…","message":"…"}}, whoever refuses once the
// host is known: a handler, a body cap, CleanForm, the error exit or the 404
// for an unknown path. (CleanQuery runs before the host lookup, so a NUL in
// an API call's query is its HTML 400 page.) The codes are stable
// (docs/api.md lists them); the message is for people.

// APIErrorBody is the one shape of every API refusal; Fields names the
// refused fields of a validation error (422).
type APIErrorBody struct {
	Error APIErrorDetail `json:"error"`
}

// APIErrorDetail is the inside of an APIErrorBody.
type APIErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// IsAPI reports whether c is a request to the marketplace's JSON API.
func IsAPI(c *fiber.Ctx) bool {
	site, ok := c.Locals(siteKey{}).(tenants.Site)
	return ok && site.Kind == tenants.KindMarketplace && strings.HasPrefix(c.Path(), "/api/")
}

// APINotFound is the API's 404 body: the same bytes for an unknown path,
// an unknown id and another store's object.
const APINotFound = `{"error":{"code":"not_found","message":"No such object."}}`

// APIError writes an API refusal (never cached).
func APIError(c *fiber.Ctx, status int, code, message string) error {
	return APIErrorFields(c, status, code, message, nil)
}

// APIErrorFields writes an API refusal naming the refused fields.
func APIErrorFields(c *fiber.Ctx, status int, code, message string, fields map[string]string) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if status == fiber.StatusNotFound {
		c.Status(status)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.SendString(APINotFound)
	}
	return c.Status(status).JSON(APIErrorBody{Error: APIErrorDetail{Code: code, Message: message, Fields: fields}})
}

// apiCodes are the stable codes of the statuses the error exit answers for
// the API when no handler chose one.
var apiCodes = map[int]string{
	fiber.StatusBadRequest:            "invalid_request",
	fiber.StatusUnauthorized:          "unauthorized",
	fiber.StatusForbidden:             "forbidden",
	fiber.StatusNotFound:              "not_found",
	fiber.StatusMethodNotAllowed:      "method_not_allowed",
	fiber.StatusConflict:              "conflict",
	fiber.StatusLengthRequired:        "length_required",
	fiber.StatusRequestEntityTooLarge: "body_too_large",
	fiber.StatusUnsupportedMediaType:  "unsupported_media_type",
	fiber.StatusUnprocessableEntity:   "validation_failed",
	fiber.StatusTooManyRequests:       "rate_limited",
	fiber.StatusServiceUnavailable:    "unavailable",
}

// apiStatus writes the error exit's answer for an API request: status and
// the sentence the HTML page would show.
func apiStatus(c *fiber.Ctx, status int, message string) error {
	code, ok := apiCodes[status]
	if !ok {
		code = "internal_error"
		if status < 500 {
			code = strings.ReplaceAll(strings.ToLower(utils.StatusMessage(status)), " ", "_")
		}
	}
	return APIError(c, status, code, message)
}
