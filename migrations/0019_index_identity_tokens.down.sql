DROP INDEX IF EXISTS session_handoffs_user_idx;
DROP INDEX IF EXISTS email_tokens_order_idx;
