package devtools

import (
	"encoding/json"
	"time"

	"github.com/claro-market/claro/app/payments"
)

// devEvent is the envelope of every event the dev pages deliver, as Stripe
// writes it: object is data.object, and account (Connect events only, else
// "") names the connected account it came from.
func devEvent(id, typ, account string, at time.Time, object map[string]any) ([]byte, error) {
	e := map[string]any{
		"id": id, "object": "event", "type": typ, "api_version": payments.APIVersion,
		"created": at.Unix(), "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": object},
	}
	if account != "" {
		e["account"] = account
	}
	return json.Marshal(e)
}
