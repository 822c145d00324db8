-- Restores the functions of 0015_webhook_order_functions as they were.
-- Whether a refund or dispute of a payment intent is waiting for its order,
-- read with a snapshot of its own. The webhook's one-statement order writer
-- takes the payment intent's lock partway through its statement, after the
-- statement's snapshot was taken; a refund that committed while the writer
-- waited for that lock is invisible to the statement, but not to this
-- function: a VOLATILE PL/pgSQL function takes a new snapshot for each query
-- it runs in READ COMMITTED.
CREATE FUNCTION claro_adjustment_pending(pi text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM pending_adjustments WHERE stripe_payment_intent_id = pi AND applied_at IS NULL);
END
$$;

-- Raised by the webhook's one-statement order writer when a delivery is not
-- the common case it applies (a session id the checkout does not carry yet, an
-- amount that differs, an order that exists, a refund waiting): the error
-- undoes the statement's own writes, its event row included, and the
-- application applies the delivery on its general path instead.
CREATE FUNCTION claro_paid_first_fallback() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'delivery left to the general path' USING ERRCODE = 'CL001';
END
$$;
