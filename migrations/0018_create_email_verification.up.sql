-- Identity: an address counts as the account's only once its owner has
-- opened a link sent to it. Until then no purchase is attached to the
-- account by email (library claims and webhook buyer lookups require
-- email_verified_at IS NOT NULL). Accounts that exist before this migration
-- start unverified: nobody proved those addresses either.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- One-time links sent by email (verify an address, reset a password, sign in
-- without one, claim a guest order, confirm a new address). Only the token's
-- SHA-256 is stored; a link is spent by setting used_at, once.
CREATE TABLE email_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    purpose    text NOT NULL CHECK (purpose IN ('verify', 'reset', 'signin', 'claim', 'email_change')),
    user_id    bigint REFERENCES users (id) ON DELETE CASCADE,
    email      text NOT NULL CHECK (email = lower(email)),
    order_id   bigint REFERENCES orders (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX email_tokens_expires_idx ON email_tokens (expires_at);
