package payments

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/stripe/stripe-go/v79"
	"github.com/stripe/stripe-go/v79/webhook"
)

// Endpoint names one of Claro's two webhook endpoints; each has its own
// signing secret.
type Endpoint int

// The two endpoints: the platform's own events (Checkout, charges, disputes),
// and events from creators' connected accounts (account.updated).
const (
	PlatformEndpoint Endpoint = iota + 1
	ConnectEndpoint
)

// ErrSignature is a delivery whose signature is missing, forged, made with
// another endpoint's secret, or older than the tolerance: answered 400.
var ErrSignature = errors.New("payments: webhook signature invalid")

// VersionError is a correctly signed event in another API version than the one
// Claro is pinned to: refused, and logged naming both versions.
type VersionError struct{ Got, Want string }

func (e *VersionError) Error() string {
	return fmt.Sprintf("payments: event API version %q, endpoint pinned to %q", e.Got, e.Want)
}

// Event is a verified Stripe event with its object decoded into Claro's types.
// Exactly one of the object fields is set for the types Claro handles.
type Event struct {
	ID         string
	Type       string
	Account    string // the connected account, for Connect events
	APIVersion string
	Livemode   bool
	Created    time.Time

	Session *CheckoutSession // checkout.session.*
	Charge  *Charge          // charge.refunded
	Dispute *Dispute         // charge.dispute.*
	Connect *Account         // account.updated
}

// CheckoutSession is the part of a Checkout Session fulfilment reads.
type CheckoutSession struct {
	ID                string
	ClientReferenceID string
	PaymentIntentID   string
	PaymentStatus     string // paid, unpaid, no_payment_required
	AmountTotal       int64
	Currency          string
	Email             string // customer_details.email, else customer_email
}

// Charge is the part of a charge refunds read.
type Charge struct {
	ID              string
	PaymentIntentID string
	Amount          int64
	AmountRefunded  int64
	Refunded        bool // refunded in full
}

// Dispute is the part of a dispute Claro reads.
type Dispute struct {
	ID              string
	ChargeID        string
	PaymentIntentID string
	Amount          int64
}

// Verifier checks webhook signatures with each endpoint's secret before
// anything in the body is believed.
type Verifier struct {
	platform, connect string
	livemode          bool
	log               *slog.Logger
}

// Livemode reports whether the deployment is live; events of the other mode
// are ignored.
func (v *Verifier) Livemode() bool { return v.livemode }

// Verify checks the Stripe-Signature header against the endpoint's secret with
// stripe-go's default tolerance (5 minutes), then the pinned API version, and
// only then decodes the event. The body must be the exact bytes received.
func (v *Verifier) Verify(body []byte, header string, ep Endpoint) (*Event, error) {
	secret := v.platform
	if ep == ConnectEndpoint {
		secret = v.connect
	}
	if secret == "" {
		return nil, fmt.Errorf("%w: no signing secret configured for this endpoint", ErrSignature)
	}
	e, err := webhook.ConstructEventWithOptions(body, header, secret, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		// Missing, garbled, forged or stale (webhook.ErrNotSigned, ErrInvalidHeader,
		// ErrNoValidSignature, ErrTooOld), or a signed body that is not an event:
		// all refused alike, before anything is believed.
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if e.APIVersion != APIVersion {
		verr := &VersionError{Got: e.APIVersion, Want: APIVersion}
		v.log.Error("stripe webhook refused: API version mismatch", "event", e.ID, "type", e.Type,
			"event_api_version", e.APIVersion, "pinned_api_version", APIVersion)
		return nil, verr
	}
	return decode(&e)
}

func decode(e *stripe.Event) (*Event, error) {
	out := &Event{ID: e.ID, Type: string(e.Type), Account: e.Account, APIVersion: e.APIVersion,
		Livemode: e.Livemode, Created: time.Unix(e.Created, 0).UTC()}
	if e.Data == nil {
		return out, nil
	}
	raw := e.Data.Raw
	var err error
	switch e.Type {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed":
		var s stripe.CheckoutSession
		if err = json.Unmarshal(raw, &s); err == nil {
			out.Session = sessionFrom(&s)
		}
	case "charge.refunded":
		var ch stripe.Charge
		if err = json.Unmarshal(raw, &ch); err == nil {
			out.Charge = &Charge{ID: ch.ID, Amount: ch.Amount, AmountRefunded: ch.AmountRefunded, Refunded: ch.Refunded}
			if ch.PaymentIntent != nil {
				out.Charge.PaymentIntentID = ch.PaymentIntent.ID
			}
		}
	case "charge.dispute.created", "charge.dispute.closed":
		var d stripe.Dispute
		if err = json.Unmarshal(raw, &d); err == nil {
			out.Dispute = &Dispute{ID: d.ID, Amount: d.Amount}
			if d.Charge != nil {
				out.Dispute.ChargeID = d.Charge.ID
			}
			if d.PaymentIntent != nil {
				out.Dispute.PaymentIntentID = d.PaymentIntent.ID
			}
		}
	case "account.updated":
		var a stripe.Account
		if err = json.Unmarshal(raw, &a); err == nil {
			out.Connect = accountFrom(&a)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("payments: decode %s %s: %w", e.Type, e.ID, err)
	}
	return out, nil
}

func sessionFrom(s *stripe.CheckoutSession) *CheckoutSession {
	out := &CheckoutSession{ID: s.ID, ClientReferenceID: s.ClientReferenceID, PaymentStatus: string(s.PaymentStatus),
		AmountTotal: s.AmountTotal, Currency: string(s.Currency), Email: s.CustomerEmail}
	if s.PaymentIntent != nil {
		out.PaymentIntentID = s.PaymentIntent.ID
	}
	if s.CustomerDetails != nil && s.CustomerDetails.Email != "" {
		out.Email = s.CustomerDetails.Email
	}
	return out
}

// ErrLiveTestPayment refuses to sign a test payment (or any other stand-in
// for Stripe's events) in a live deployment.
var ErrLiveTestPayment = errors.New("payments: test payments cannot be signed with a live key")

// SignTestPayment returns a Stripe-Signature header for payload made with the
// platform endpoint's secret, as Stripe would sign it. Only the local
// test-payment page of `claro dev` uses it, standing in for Stripe, which
// stripe-mock cannot do; a live deployment refuses.
func (v *Verifier) SignTestPayment(payload []byte) (string, error) {
	if v.livemode {
		return "", ErrLiveTestPayment
	}
	if v.platform == "" {
		return "", fmt.Errorf("%w: no platform signing secret configured", ErrSignature)
	}
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: v.platform}).Header, nil
}

// SignTestConnectEvent returns a Stripe-Signature header for payload made with
// the Connect endpoint's secret, as Stripe signs connected accounts' events.
// Only the local test-onboarding page of `claro dev` uses it, standing in for
// Stripe's onboarding; a live deployment refuses.
func (v *Verifier) SignTestConnectEvent(payload []byte) (string, error) {
	if v.livemode {
		return "", ErrLiveTestPayment
	}
	if v.connect == "" {
		return "", fmt.Errorf("%w: no Connect signing secret configured", ErrSignature)
	}
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: v.connect}).Header, nil
}
