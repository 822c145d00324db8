-- Identity: a claimed guest order spends every other claim link sent for
-- it (email_tokens by order_id), and a password reset ends the account's
-- unredeemed custom-domain hand-offs with its sessions (session_handoffs by
-- user_id). Both look up by these columns; without an index each would scan.
CREATE INDEX email_tokens_order_idx ON email_tokens (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX session_handoffs_user_idx ON session_handoffs (user_id);
