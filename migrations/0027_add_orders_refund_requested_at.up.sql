-- When the dashboard's refund was accepted by Stripe. The order itself
-- changes only when charge.refunded arrives; until then the sales page shows
-- "refund pending" instead of offering the refund again.
ALTER TABLE orders ADD COLUMN refund_requested_at timestamptz;
