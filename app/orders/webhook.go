package orders

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// MaxWebhookBody caps a webhook delivery; Stripe's events are a few KiB.
// Larger bodies are answered 413 before any signature work.
const MaxWebhookBody = 1 << 20

// Handlers receives Stripe's webhooks on ROOT_DOMAIN.
type Handlers struct {
	verifier *payments.Verifier
	service  *Service
	log      *slog.Logger
}

// NewHandlers returns the webhook handlers.
func NewHandlers(verifier *payments.Verifier, service *Service, log *slog.Logger) *Handlers {
	return &Handlers{verifier: verifier, service: service, log: log}
}

// Routes registers both endpoints on the marketplace host only. The app's
// CSRF middleware exempts /webhooks/: these requests are signed instead.
func (h *Handlers) Routes(r fiber.Router) {
	m := web.MarketRoutes(r)
	m.Post("/webhooks/stripe", h.platform)
	m.Post("/webhooks/stripe/connect", h.connect)
}

func (h *Handlers) platform(c *fiber.Ctx) error { return h.receive(c, payments.PlatformEndpoint) }
func (h *Handlers) connect(c *fiber.Ctx) error  { return h.receive(c, payments.ConnectEndpoint) }

// receive verifies the signature before anything in the body is believed, then
// applies the event. A refused signature or version is a 400 and writes
// nothing; any failure to apply is a 500, so Stripe delivers again.
func (h *Handlers) receive(c *fiber.Ctx, ep payments.Endpoint) error {
	// Stripe always sends a Content-Length; a chunked or unbounded body is
	// refused like an oversized one, before a byte of it is read.
	if n := c.Request().Header.ContentLength(); n > MaxWebhookBody || n < 0 {
		return web.Refuse(fiber.StatusRequestEntityTooLarge, "Webhook body too large.")
	}
	body := bytes.Clone(c.Body()) // Fiber reuses its buffers; the event outlives this call's view of them
	sig := strings.Clone(c.Get("Stripe-Signature"))
	err := h.deliver(c.UserContext(), body, sig, ep)
	var verr *payments.VersionError
	switch {
	case errors.As(err, &verr):
		return web.Refuse(fiber.StatusBadRequest, "Event API version "+verr.Got+" refused; this endpoint is pinned to "+verr.Want+".")
	case errors.Is(err, payments.ErrSignature):
		h.log.Warn("stripe webhook refused: bad signature", "request_id", web.RequestID(c), "endpoint", int(ep), "err", err)
		return web.Refuse(fiber.StatusBadRequest, "Invalid signature.")
	case err != nil:
		return err
	}
	return c.SendString("ok")
}

// Deliver verifies and applies one delivery to the platform endpoint exactly
// as POST /webhooks/stripe does, for callers in the same process: the local
// test-payment page of `claro dev`, which stands in for Stripe. A bad
// signature is payments.ErrSignature.
func (h *Handlers) Deliver(ctx context.Context, body []byte, signature string) error {
	return h.deliver(ctx, body, signature, payments.PlatformEndpoint)
}

// DeliverConnect is Deliver for the Connect endpoint, exactly as POST
// /webhooks/stripe/connect applies it: the local test-onboarding page of
// `claro dev` delivers account.updated through it.
func (h *Handlers) DeliverConnect(ctx context.Context, body []byte, signature string) error {
	return h.deliver(ctx, body, signature, payments.ConnectEndpoint)
}

// deliver checks the signature before anything in the body is believed, then
// applies the event; an error means nothing was applied, or Stripe must retry.
func (h *Handlers) deliver(ctx context.Context, body []byte, signature string, ep payments.Endpoint) error {
	e, err := h.verifier.Verify(body, signature, ep)
	if err != nil {
		return err
	}
	if err := h.service.Handle(ctx, ep, e); err != nil {
		h.log.Error("stripe event failed; Stripe will retry", "event", e.ID, "type", e.Type, "err", err)
		return err
	}
	return nil
}
