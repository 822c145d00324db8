package stripetest

import (
	"encoding/json"
	"time"

	"github.com/stripe/stripe-go/v79"
	"github.com/stripe/stripe-go/v79/webhook"
)

// EventOption changes an event envelope before it is encoded.
type EventOption func(map[string]any)

// OnAccount marks the event as coming from a connected account.
func OnAccount(id string) EventOption { return func(m map[string]any) { m["account"] = id } }

// Livemode sets the event's livemode flag (false by default).
func Livemode(live bool) EventOption { return func(m map[string]any) { m["livemode"] = live } }

// APIVersion overrides the event's API version (stripe-go's by default).
func APIVersion(v string) EventOption { return func(m map[string]any) { m["api_version"] = v } }

// Created sets the event's creation time.
func Created(t time.Time) EventOption { return func(m map[string]any) { m["created"] = t.Unix() } }

// Event encodes a Stripe event envelope around object.
func Event(id, typ string, object map[string]any, opts ...EventOption) []byte {
	m := map[string]any{
		"id": id, "object": "event", "type": typ, "api_version": stripe.APIVersion,
		"created": time.Now().Unix(), "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": object},
	}
	for _, o := range opts {
		o(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // only maps of plain values reach here
	}
	return b
}

// Sign returns the Stripe-Signature header for payload, made with secret at
// time at (the zero time means now), by stripe-go's own test signer.
func Sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// Session is a checkout.session object as Stripe sends it.
func Session(id string, checkoutID string, amount int64, paymentIntent, paymentStatus string) map[string]any {
	return map[string]any{
		"id": id, "object": "checkout.session", "client_reference_id": checkoutID, "amount_total": amount,
		"currency": "usd", "mode": "payment", "payment_intent": paymentIntent, "payment_status": paymentStatus,
		"status": "complete", "customer_details": map[string]any{"email": nil},
	}
}

// Charge is a charge object after a refund of refunded cents out of amount.
func Charge(id, paymentIntent string, amount, refunded int64) map[string]any {
	return map[string]any{
		"id": id, "object": "charge", "payment_intent": paymentIntent, "amount": amount,
		"amount_refunded": refunded, "refunded": refunded >= amount, "currency": "usd",
	}
}

// Dispute is a dispute object on a charge.
func Dispute(id, charge, paymentIntent string, amount int64) map[string]any {
	return map[string]any{
		"id": id, "object": "dispute", "charge": charge, "payment_intent": paymentIntent,
		"amount": amount, "currency": "usd", "status": "needs_response",
	}
}

// Account is a connected account object.
func Account(id string, chargesEnabled, payoutsEnabled bool, currentlyDue []string, disabledReason string) map[string]any {
	if currentlyDue == nil {
		currentlyDue = []string{}
	}
	var reason any
	if disabledReason != "" {
		reason = disabledReason
	}
	return map[string]any{
		"id": id, "object": "account", "type": "express", "charges_enabled": chargesEnabled,
		"payouts_enabled": payoutsEnabled, "details_submitted": chargesEnabled,
		"requirements": map[string]any{"currently_due": currentlyDue, "past_due": []string{}, "disabled_reason": reason},
	}
}
