ALTER TABLE session_handoffs DROP COLUMN IF EXISTS browser_hash;
