-- The webhook's paid-order writer is now a transaction of plain statements
-- (app/orders/paid.go): the payment intent's lock is taken in a statement of
-- its own, so the next statement's snapshot already sees a refund that
-- committed first, and no delivery is sent to another path by an exception.
-- Neither function of 0015 has a caller left.
DROP FUNCTION IF EXISTS claro_paid_first_fallback();
DROP FUNCTION IF EXISTS claro_adjustment_pending(text);
