-- Recent webhook deliveries, for the staff console: one row per verified
-- delivery to either endpoint and what it came to (applied, duplicate,
-- ignored, or retry with its error, when it failed and Stripe will deliver it
-- again). Written by the webhook handler after the event's own transaction,
-- so it never holds an order back; a delivery whose signature is refused
-- writes nothing (its body is not believed; claro_webhook_deliveries_total
-- counts it). Rows older than 30 days are deleted by the hourly sweep.
CREATE TABLE webhook_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint    text NOT NULL CHECK (endpoint IN ('platform', 'connect')),
    event_id    text NOT NULL,
    event_type  text NOT NULL,
    session_id  text,
    account     text NOT NULL DEFAULT '',
    outcome     text NOT NULL,
    error       text,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_recent_idx ON webhook_deliveries (received_at DESC, id DESC);
CREATE INDEX webhook_deliveries_session_idx ON webhook_deliveries (session_id) WHERE session_id IS NOT NULL;
REVOKE ALL ON webhook_deliveries FROM claro_tenant;
