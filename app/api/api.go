// Package api is the creators' JSON API on ROOT_DOMAIN/api/v1: products
// (list, read, create, update, publish, upload a file), sales and refunds,
// and license keys, authorised by a store's personal access token
// (app/apitokens) in "Authorization: Bearer claro_pat_…". A token reaches
// its own store only: every call runs through the same services and
// tenant transactions (db.InTenant, row-level security) as the dashboard,
// with the token's store, so another store's object is the one 404 body.
// The routes are described by openapi.json, served at /api/v1/openapi.json
// and checked against the app's route table by the package's tests.
package api

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/licenses"
	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/ratelimit"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// PerToken is how many calls a token may make a minute (a fixed window,
// app/ratelimit); past it a call is a 429 with Retry-After. BadPerAddress
// is how many unknown or revoked tokens one client address may send a
// minute before its calls are 429s without a lookup (a token cannot be
// guessed, but a flood of lookups should not reach the database).
const (
	PerToken      = 120
	BadPerAddress = 30
)

// Page sizes of the keyset lists (?limit=).
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Handlers serve the API.
type Handlers struct {
	db       *db.DB
	tokens   *apitokens.Store
	editor   *catalog.Editor
	keys     *licenses.Keys
	pay      orders.Refunder                                 // nil: refunds answer 503
	refunded func(ctx context.Context, o orders.Order) error // `claro dev` only: Stripe's charge.refunded stand-in
	cursors  *cursor.Codec
	limits   ratelimit.Limiter
	perToken int64
	log      *slog.Logger
}

// New returns the API's handlers.
func New(d *db.DB, tokens *apitokens.Store, editor *catalog.Editor, keys *licenses.Keys, cursors *cursor.Codec,
	limits ratelimit.Limiter, log *slog.Logger) *Handlers {
	return &Handlers{db: d, tokens: tokens, editor: editor, keys: keys, cursors: cursors, limits: limits, perToken: PerToken, log: log}
}

// WithRefunds lets the API refund orders through Stripe (the dashboard's
// refund, orders.RequestRefund); dev, when not nil, delivers the refund's
// charge.refunded as `claro dev` does for the dashboard.
func (h *Handlers) WithRefunds(pay orders.Refunder, dev func(ctx context.Context, o orders.Order) error) *Handlers {
	h.pay, h.refunded = pay, dev
	return h
}

// Routes mounts the API on the marketplace host. Each route names the
// scope it needs; the OpenAPI document is public.
func (h *Handlers) Routes(r fiber.Router) {
	m := web.MarketRoutes(r)
	m.Get("/api/v1/openapi.json", openAPI)
	m.Get("/api/v1/products", h.need(apitokens.ProductsRead), h.listProducts)
	m.Post("/api/v1/products", h.need(apitokens.ProductsWrite), h.createProduct)
	m.Get("/api/v1/products/:id", h.need(apitokens.ProductsRead), h.getProduct)
	m.Patch("/api/v1/products/:id", h.need(apitokens.ProductsWrite), h.updateProduct)
	m.Post("/api/v1/products/:id/publish", h.need(apitokens.ProductsWrite), h.publishProduct)
	m.Post("/api/v1/products/:id/files", h.need(apitokens.ProductsWrite), h.uploadFile)
	m.Get("/api/v1/sales", h.need(apitokens.SalesRead), h.listSales)
	m.Get("/api/v1/sales/:id", h.need(apitokens.SalesRead), h.getSale)
	m.Post("/api/v1/sales/:id/refunds", h.need(apitokens.SalesRefund), h.refundSale)
	m.Get("/api/v1/licenses", h.need(apitokens.Licenses), h.listKeys)
	m.Get("/api/v1/licenses/:id", h.need(apitokens.Licenses), h.getKey)
	m.Post("/api/v1/licenses/:id/disable", h.need(apitokens.Licenses), h.setKey(true))
	m.Post("/api/v1/licenses/:id/enable", h.need(apitokens.Licenses), h.setKey(false))
}

// UploadLimit is web.BodyCaps' answer for the API: a file upload with a
// token-shaped Authorization header may be as large as the dashboard's
// (web.MaxUpload); anything else is 0, capped at web.FormLimit. The token
// itself is checked by the route before a byte of the body is read.
func UploadLimit(c *fiber.Ctx) int {
	p := c.Path()
	if c.Method() != fiber.MethodPost || web.Site(c).Kind != tenants.KindMarketplace ||
		!strings.HasPrefix(p, "/api/v1/products/") || !strings.HasSuffix(p, "/files") {
		return 0
	}
	if t, ok := bearer(c); !ok || !apitokens.WellFormed(t) {
		return 0
	}
	return web.MaxUpload
}

type principalKey struct{}

// principal is the token's store and scopes (set by need).
func principal(c *fiber.Ctx) apitokens.Principal {
	return c.Locals(principalKey{}).(apitokens.Principal)
}

func bearer(c *fiber.Ctx) (string, bool) {
	return strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
}

// need authenticates the call's token and checks it holds scope: no token
// or an unknown, revoked or orphaned one is a 401, a missing scope a 403
// naming it (a scope is no secret: nothing of any store's content is
// told), past the token's rate a 429 with Retry-After. A refused call's
// body is never read: the connection closes after the answer.
func (h *Handlers) need(scope string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		refuse := func(status int, code, msg string) error {
			if c.Request().Header.ContentLength() != 0 {
				c.Context().SetConnectionClose()
			}
			if status == fiber.StatusUnauthorized {
				c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="claro"`)
			}
			return web.APIError(c, status, code, msg)
		}
		token, ok := bearer(c)
		if !ok || token == "" {
			return refuse(fiber.StatusUnauthorized, "unauthorized", "Send a token of your store: Authorization: Bearer claro_pat_…")
		}
		sum := apitokens.Hash(token)
		n, reset, err := h.limits.Hit(c.UserContext(), "api:token:"+hex.EncodeToString(sum[:12]), time.Minute)
		if err != nil {
			return err
		}
		if n > h.perToken {
			c.Set(fiber.HeaderRetryAfter, retryAfter(reset))
			return refuse(fiber.StatusTooManyRequests, "rate_limited",
				"This token made more than "+strconv.FormatInt(h.perToken, 10)+" calls this minute; try again after Retry-After seconds.")
		}
		bad := "api:bad:" + web.ClientIP(c)
		if n, err := h.limits.Count(c.UserContext(), bad, time.Minute); err != nil {
			return err
		} else if n >= BadPerAddress {
			c.Set(fiber.HeaderRetryAfter, retryAfter(ratelimit.WindowEnd(time.Now(), time.Minute)))
			return refuse(fiber.StatusTooManyRequests, "rate_limited", "Too many unknown tokens from this address; try again after Retry-After seconds.")
		}
		p, err := h.tokens.Authenticate(c.UserContext(), token)
		if errors.Is(err, apitokens.ErrUnknown) {
			if _, _, err := h.limits.Hit(c.UserContext(), bad, time.Minute); err != nil {
				return err
			}
			return refuse(fiber.StatusUnauthorized, "invalid_token", "This token is unknown or revoked.")
		}
		if err != nil {
			return err
		}
		if !p.Has(scope) {
			msg := "This token lacks the " + scope + " scope."
			if scope == apitokens.SalesRefund {
				msg += " Only a token made by the store's owner holds it."
			}
			return refuse(fiber.StatusForbidden, "insufficient_scope", msg)
		}
		c.Locals(principalKey{}, p)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Next()
	}
}

func retryAfter(reset time.Time) string {
	return strconv.Itoa(max(int(time.Until(reset).Seconds())+1, 1))
}

// problem is a refusal a handler returns; the handler writes it (fail).
type problem struct {
	status        int
	code, message string
	fields        map[string]string
}

func (p *problem) Error() string { return "api: " + p.code }

func fail(status int, code, msg string) *problem {
	return &problem{status: status, code: code, message: msg}
}

// answer writes err when it is a problem, or passes it to the error exit
// (which answers the API in the same JSON shape: 404, 503, 500).
func answer(c *fiber.Ctx, err error) error {
	var p *problem
	if errors.As(err, &p) {
		return web.APIErrorFields(c, p.status, p.code, p.message, p.fields)
	}
	return err
}

// id is the path's :id; a malformed id is the 404, like an unknown one.
func id(c *fiber.Ctx) (int64, error) {
	n, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, web.ErrNotFound
	}
	return n, nil
}

// decode reads a JSON body into v: application/json, valid UTF-8 with no
// NUL (neither a byte nor an escape), one object with known fields only.
// An empty body is allowed when optional.
func decode(c *fiber.Ctx, v any, optional bool) error {
	body := c.Body()
	if optional && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return fail(fiber.StatusUnsupportedMediaType, "unsupported_media_type", "Send a JSON body with Content-Type: application/json.")
	}
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 || bytes.Contains(bytes.ToLower(body), []byte(`\u0000`)) {
		return fail(fiber.StatusBadRequest, "invalid_request", "The body is not valid UTF-8 JSON, or holds a NUL character.")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	err := d.Decode(v)
	if err == nil && d.More() {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		msg := "The body is not the JSON object this call takes."
		switch {
		case errors.As(err, &te) && te.Field != "":
			msg = "The field " + te.Field + " must be a " + te.Type.Kind().String() + "."
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			msg = "Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + "."
		}
		return fail(fiber.StatusBadRequest, "invalid_request", msg)
	}
	return nil
}

// pageArgs are a list call's ?limit= and ?cursor= (decoded into after,
// within scope, when present).
func (h *Handlers) pageArgs(c *fiber.Ctx, scope string, after any) (limit int, hasCursor bool, err error) {
	limit = DefaultLimit
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return 0, false, fail(fiber.StatusBadRequest, "invalid_request", "limit is a whole number from 1 to "+strconv.Itoa(MaxLimit)+".")
		}
		limit = n
	}
	if s := c.Query("cursor"); s != "" {
		if err := h.cursors.Decode(scope, s, after); err != nil {
			return 0, false, fail(fiber.StatusBadRequest, "invalid_cursor",
				"That cursor is not one this list gave out (tampered, or from another list); start again without it.")
		}
		hasCursor = true
	}
	return limit, hasCursor, nil
}

// list is a page of a keyset list: its rows and the cursor of the next
// page (null on the last).
type list[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// pageOf writes rows (read with limit+1 to know whether more follow) as a
// list; next is the position after a row.
func pageOf[R, T any](c *fiber.Ctx, h *Handlers, scope string, rows []R, limit int, next func(R) any, out func(R) T) error {
	l := list[T]{Data: make([]T, 0, min(len(rows), limit))}
	if len(rows) > limit {
		rows = rows[:limit]
		s, err := h.cursors.Encode(scope, next(rows[len(rows)-1]))
		if err != nil {
			return err
		}
		l.NextCursor = &s
	}
	for _, r := range rows {
		l.Data = append(l.Data, out(r))
	}
	return c.JSON(l)
}

func scopeOf(list string, tenantID int64) string {
	return "api:" + list + ":" + strconv.FormatInt(tenantID, 10)
}
