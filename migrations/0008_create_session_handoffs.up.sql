-- Sessions on creators' custom domains. The platform's session cookie
-- (Domain=ROOT_DOMAIN) never reaches a custom domain; a signed-in visitor is
-- handed off instead: a one-time token, minted on ROOT_DOMAIN for one target
-- host, redeemed on that host within 60 seconds for a new session that is
-- bound to that host (sessions.host) and kept in a host-only cookie there.
-- Only the SHA-256 of the token is stored.
ALTER TABLE sessions ADD COLUMN host text CHECK (host = lower(host));

CREATE TABLE session_handoffs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  bytea NOT NULL UNIQUE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_host text NOT NULL CHECK (target_host = lower(target_host)),
    next_path   text NOT NULL DEFAULT '/',
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX session_handoffs_expires_idx ON session_handoffs (expires_at);
