-- Store membership by invitation: an owner invites an address with a role,
-- and only the account holding that address, verified, can accept; only
-- acceptance makes a tenant_members row. tenant_invites (0004) was never
-- written by any code and had no role, token, expiry or answer; it is
-- replaced. Only the SHA-256 of an invitation's token is stored, for a link
-- sent by email.
DROP TABLE tenant_invites;

CREATE TABLE tenant_invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    role        text NOT NULL CHECK (role IN ('owner', 'admin')),
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by bigint REFERENCES users (id) ON DELETE SET NULL,
    declined_at timestamptz,
    revoked_at  timestamptz,
    -- An invitation is answered once: accepted, declined or revoked.
    CHECK (num_nonnulls(accepted_at, declined_at, revoked_at) <= 1)
);
-- One open invitation per store and address: inviting again replaces it.
CREATE UNIQUE INDEX tenant_invitations_open_key ON tenant_invitations (tenant_id, email)
    WHERE accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL;
-- An invitee's dashboard finds their open invitations by address.
CREATE INDEX tenant_invitations_email_idx ON tenant_invitations (email)
    WHERE accepted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL;

ALTER TABLE tenant_invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_invitations_isolation ON tenant_invitations TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_invitations TO claro_tenant;
