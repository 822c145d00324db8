-- Row-level security: the second wall of tenant isolation. Creator-side
-- transactions run as claro_tenant with app.tenant_id set for the transaction
-- (app/db.InTenant); the policies then hide every other store's rows, even from
-- a query that forgot its WHERE clause. Other work (buyer pages, webhooks) runs
-- as the owning role, which RLS does not restrict.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'claro_tenant') THEN
        CREATE ROLE claro_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
END
$$;
GRANT claro_tenant TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO claro_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO claro_tenant;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO claro_tenant;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO claro_tenant;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO claro_tenant;

CREATE FUNCTION claro_current_tenant() RETURNS bigint LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint $$;

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenants_isolation ON tenants TO claro_tenant
    USING (id = claro_current_tenant()) WITH CHECK (id = claro_current_tenant());

ALTER TABLE tenant_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_members_isolation ON tenant_members TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());

ALTER TABLE products ENABLE ROW LEVEL SECURITY;
CREATE POLICY products_isolation ON products TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());

ALTER TABLE product_files ENABLE ROW LEVEL SECURITY;
CREATE POLICY product_files_isolation ON product_files TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());

-- A file belongs to a product of the same store.
ALTER TABLE products ADD CONSTRAINT products_id_tenant_key UNIQUE (id, tenant_id);
ALTER TABLE product_files ADD CONSTRAINT product_files_product_tenant_fkey
    FOREIGN KEY (product_id, tenant_id) REFERENCES products (id, tenant_id) ON DELETE CASCADE;

-- Invitations of another account as an admin of a store.
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
