DROP TABLE IF EXISTS tenant_invitations;

CREATE TABLE tenant_invites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email = lower(email)),
    invited_by  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    UNIQUE (tenant_id, email)
);
ALTER TABLE tenant_invites ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_invites_isolation ON tenant_invites TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_invites TO claro_tenant;
