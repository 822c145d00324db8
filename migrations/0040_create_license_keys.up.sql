-- License keys: a product may issue one key per purchase, which the
-- creator's software activates on at most activation_limit instances
-- (0: no limit). Only the key's SHA-256 is stored (key_hash); the key
-- itself is derived again when the buyer's library shows it (app/licenses).
-- A refund or dispute disables the order's keys in the webhook's own
-- transaction.
ALTER TABLE products
    ADD COLUMN license_keys boolean NOT NULL DEFAULT false,
    ADD COLUMN activation_limit integer NOT NULL DEFAULT 3 CHECK (activation_limit BETWEEN 0 AND 1000);

CREATE TABLE license_keys (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    product_id      bigint NOT NULL,
    order_id        bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    key_hash        bytea NOT NULL UNIQUE,
    last4           text NOT NULL,
    disabled_at     timestamptz,
    disabled_reason text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, product_id),
    FOREIGN KEY (product_id, tenant_id) REFERENCES products (id, tenant_id) ON DELETE RESTRICT
);
CREATE INDEX license_keys_tenant_idx ON license_keys (tenant_id, id DESC);

CREATE TABLE license_activations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id         bigint NOT NULL REFERENCES license_keys (id) ON DELETE CASCADE,
    tenant_id      bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    instance_id    text NOT NULL UNIQUE,
    instance_name  text NOT NULL CHECK (length(instance_name) BETWEEN 1 AND 200),
    created_at     timestamptz NOT NULL DEFAULT now(),
    deactivated_at timestamptz
);
CREATE INDEX license_activations_live_idx ON license_activations (key_id) WHERE deactivated_at IS NULL;

ALTER TABLE license_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY license_keys_isolation ON license_keys TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON license_keys TO claro_tenant;
ALTER TABLE license_activations ENABLE ROW LEVEL SECURITY;
CREATE POLICY license_activations_isolation ON license_activations TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON license_activations TO claro_tenant;
