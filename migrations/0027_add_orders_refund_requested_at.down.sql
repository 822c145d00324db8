ALTER TABLE orders DROP COLUMN IF EXISTS refund_requested_at;
