package licenses

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/claro-market/claro/app/ratelimit"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// Limits of the public API: per client address, and per key (so one key
// cannot be hammered from many addresses).
const (
	PerAddress = 60 // requests a minute
	PerKey     = 30
	window     = time.Minute
)

// Handlers serve the public license API on the marketplace host:
// POST /api/v1/licenses/{activate,validate,deactivate}, JSON in and out.
type Handlers struct {
	keys   *Keys
	limits ratelimit.Limiter
}

// NewHandlers returns the API's handlers.
func NewHandlers(keys *Keys, limits ratelimit.Limiter) *Handlers {
	return &Handlers{keys: keys, limits: limits}
}

// Routes mounts the API. It reads no session and no form (CSRF exempts
// /api/: a request is authorised by the key it carries).
func (h *Handlers) Routes(r fiber.Router) {
	m := web.MarketRoutes(r)
	m.Post("/api/v1/licenses/activate", h.activate)
	m.Post("/api/v1/licenses/validate", h.validate)
	m.Post("/api/v1/licenses/deactivate", h.deactivate)
}

// request is the body every call sends.
type request struct {
	Key          string `json:"key"`
	InstanceName string `json:"instance_name"`
	InstanceID   string `json:"instance_id"`
}

// apiError is the one shape of every refusal.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func refuse(c *fiber.Ctx, status int, code, msg string) error {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(e)
}

// read parses and limits a call; a refusal has been written when ok is false.
func (h *Handlers) read(c *fiber.Ctx, needName, needInstance bool) (req request, key string, ok bool, err error) {
	if ok, err := h.limit(c, "license:addr:"+web.ClientIP(c), PerAddress, "Too many requests from this address; try again in a minute."); !ok {
		return req, "", false, err
	}
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return req, "", false, refuse(c, fiber.StatusUnsupportedMediaType, "invalid_request", "Send a JSON body with Content-Type: application/json.")
	}
	body := c.Body()
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return req, "", false, refuse(c, fiber.StatusBadRequest, "invalid_request", "The body is not valid UTF-8 JSON.")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&req); err != nil || d.More() {
		return req, "", false, refuse(c, fiber.StatusBadRequest, "invalid_request", "The body is not the JSON object this call takes (key, instance_name or instance_id).")
	}
	key, valid := Parse(req.Key)
	if !valid {
		return req, "", false, refuse(c, fiber.StatusBadRequest, "invalid_key", "That is not a license key (25 letters and digits in five groups).")
	}
	if ok, err := h.limit(c, "license:key:"+key, PerKey, "Too many requests for this key; try again in a minute."); !ok {
		return req, "", false, err
	}
	req.InstanceName = strings.TrimSpace(req.InstanceName)
	if needName && (req.InstanceName == "" || utf8.RuneCountInString(req.InstanceName) > 200) {
		return req, "", false, refuse(c, fiber.StatusBadRequest, "invalid_request", "Name the instance (instance_name, 1 to 200 characters).")
	}
	if needInstance && (req.InstanceID == "" || len(req.InstanceID) > 64) {
		return req, "", false, refuse(c, fiber.StatusBadRequest, "invalid_request", "Say which activation (instance_id, as activate answered it).")
	}
	if len(req.InstanceID) > 64 {
		req.InstanceID = "-" // no such instance: never looked up whole
	}
	return req, key, true, nil
}

// limit counts one call against key; past max it writes the 429 with
// Retry-After and ok is false (err is what the handler returns).
func (h *Handlers) limit(c *fiber.Ctx, key string, max int64, msg string) (ok bool, err error) {
	n, reset, err := h.limits.Hit(c.UserContext(), key, window)
	if err != nil {
		return false, err
	}
	if n <= max {
		return true, nil
	}
	c.Set(fiber.HeaderRetryAfter, retryAfter(reset))
	return false, refuse(c, fiber.StatusTooManyRequests, "rate_limited", msg)
}

func retryAfter(reset time.Time) string {
	s := int(time.Until(reset).Seconds()) + 1
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s)
}

// answer writes a call's result, or its refusal.
func answer(c *fiber.Ctx, st Status, err error) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	switch {
	case errors.Is(err, ErrUnknownKey):
		return refuse(c, fiber.StatusNotFound, "not_found", "No such license key.")
	case errors.Is(err, ErrUnknownInstance):
		return refuse(c, fiber.StatusNotFound, "instance_not_found", "This key has no live activation with that instance_id.")
	case errors.Is(err, ErrDisabled):
		return refuse(c, fiber.StatusForbidden, "key_disabled", "This license key is disabled ("+st.DisabledReason+").")
	case errors.Is(err, ErrLimit):
		return refuse(c, fiber.StatusConflict, "activation_limit_reached",
			"This key is active on "+strconv.Itoa(st.Activations)+" of "+strconv.Itoa(st.ActivationLimit)+" instances; deactivate one first.")
	case err != nil:
		return err
	}
	return c.JSON(st)
}

func (h *Handlers) activate(c *fiber.Ctx) error {
	req, key, ok, err := h.read(c, true, false)
	if !ok {
		return err
	}
	st, err := h.keys.Activate(c.UserContext(), key, req.InstanceName)
	if err == nil {
		c.Status(fiber.StatusCreated)
	}
	return answer(c, st, err)
}

func (h *Handlers) validate(c *fiber.Ctx) error {
	req, key, ok, err := h.read(c, false, false)
	if !ok {
		return err
	}
	st, err := h.keys.Validate(c.UserContext(), key, req.InstanceID)
	return answer(c, st, err)
}

func (h *Handlers) deactivate(c *fiber.Ctx) error {
	req, key, ok, err := h.read(c, false, true)
	if !ok {
		return err
	}
	st, err := h.keys.Deactivate(c.UserContext(), key, req.InstanceID)
	return answer(c, st, err)
}
