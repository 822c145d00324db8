-- Receipts: one row per paid order, written in the webhook transaction that
-- marks the order paid, so a crash between the commit and the email never
-- loses a receipt. The sender (app/receipts) claims due rows with
-- FOR UPDATE SKIP LOCKED, leases them by pushing available_at forward, sends,
-- and stamps sent_at; a failure is retried with backoff. Sent rows stay, so
-- the order_id key also stops a second receipt for the same order.
CREATE TABLE receipts_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     bigint NOT NULL UNIQUE REFERENCES orders (id) ON DELETE CASCADE,
    attempts     int NOT NULL DEFAULT 0,
    available_at timestamptz NOT NULL DEFAULT now(),
    last_error   text,
    sent_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receipts_outbox_due_idx ON receipts_outbox (available_at, id) WHERE sent_at IS NULL;
