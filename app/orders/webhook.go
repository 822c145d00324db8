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
	observer Observer    // nil: no one
	recorded *Deliveries // nil: deliveries are not kept (WithDeliveries)
}

// Observer hears what became of every delivery; the app's metrics are one.
type Observer interface {
	// WebhookDelivery is one delivery to endpoint ("platform" or "connect")
	// and what it came to: an Outcome, or "bad_signature" and "bad_version"
	// (refused, 400), "too_large" (413), or "retry" (it failed to apply and
	// was answered 500, so Stripe delivers it again).
	WebhookDelivery(endpoint, outcome string)
	// WebhookAlone is n paying deliveries whose shared batch failed, each
	// of which then ran again on its own (app/batch).
	WebhookAlone(n int)
}

// The outcomes of a delivery that never reached Apply, or failed in it.
const (
	OutcomeBadSignature = "bad_signature"
	OutcomeBadVersion   = "bad_version"
	OutcomeTooLarge     = "too_large"
	OutcomeRetry        = "retry"
)

// NewHandlers returns the webhook handlers.
func NewHandlers(verifier *payments.Verifier, service *Service, log *slog.Logger) *Handlers {
	return &Handlers{verifier: verifier, service: service, log: log}
}

// WithObserver tells o of every delivery's outcome.
func (h *Handlers) WithObserver(o Observer) *Handlers {
	h.observer = o
	return h
}

// WithDeliveries keeps every verified delivery and its outcome in d, for
// the staff console.
func (h *Handlers) WithDeliveries(d *Deliveries) *Handlers {
	h.recorded = d
	return h
}

func (h *Handlers) observe(ep payments.Endpoint, outcome string) {
	if h.observer == nil {
		return
	}
	h.observer.WebhookDelivery(endpointName(ep), outcome)
}

// record keeps a verified delivery's outcome when the event's own
// transaction did not. It runs after that transaction and never changes the
// answer Stripe gets: a failure is logged.
func (h *Handlers) record(ctx context.Context, ep payments.Endpoint, e *payments.Event, outcome string, cause error) {
	if h.recorded == nil {
		return
	}
	if err := h.recorded.Record(context.WithoutCancel(ctx), ep, e, outcome, cause); err != nil {
		h.log.Warn("webhook delivery not recorded", "event", e.ID, "outcome", outcome, "err", err)
	}
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
		h.observe(ep, OutcomeTooLarge)
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
	var verr *payments.VersionError
	switch {
	case errors.As(err, &verr):
		h.observe(ep, OutcomeBadVersion)
		return err
	case errors.Is(err, payments.ErrSignature):
		h.observe(ep, OutcomeBadSignature)
		return err
	case err != nil:
		h.observe(ep, OutcomeRetry)
		return err
	}
	// A paying delivery's row is written in its own transaction; any other's
	// after it (record).
	var row *Delivery
	if h.recorded != nil {
		row = newDelivery(ep, e, "", nil)
	}
	outcome, recorded, err := h.service.applyDelivery(ctx, ep, e, row)
	if err != nil {
		h.observe(ep, OutcomeRetry)
		h.record(ctx, ep, e, OutcomeRetry, err)
		h.log.Error("stripe event failed; Stripe will retry", "event", e.ID, "type", e.Type, "err", err)
		return err
	}
	h.observe(ep, string(outcome))
	if !recorded {
		h.record(ctx, ep, e, string(outcome), nil)
	}
	return nil
}
