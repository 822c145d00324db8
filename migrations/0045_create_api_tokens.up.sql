-- Personal access tokens of a store's API (app/apitokens): each is named,
-- holds its scopes (CHECKed against the known set), and is stored as its
-- SHA-256 only (token_hash); the token itself is shown once, at creation.
-- created_by is the member who made it: a token works only while that
-- account is still a member of the store, and sales:refund only while it is
-- an owner (checked on every request). Revoking stamps revoked_at; a
-- revoked token never works again.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_by   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes       text[] NOT NULL CHECK (cardinality(scopes) >= 1
                     AND scopes <@ ARRAY['products:read', 'products:write', 'sales:read', 'sales:refund', 'licenses']::text[]),
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    last4        text NOT NULL CHECK (length(last4) = 4),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant_id, id DESC);

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_isolation ON api_tokens TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON api_tokens TO claro_tenant;
