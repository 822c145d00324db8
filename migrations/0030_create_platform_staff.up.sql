-- Platform staff and what they do. A user is staff while platform_role is
-- set; only `claro admin grant EMAIL` sets it and `claro admin revoke EMAIL`
-- clears it (no web route writes it). Every staff action (and every grant and
-- revoke) is one staff_actions row: who (the user id, and their address at
-- the time, kept if the account goes), what, on which target, why, when.
-- A product taken down by staff is hidden from its storefront, discovery and
-- checkout while taken_down_at is set; its buyers keep it, and its creator
-- sees taken_down_reason. Neither table is the tenants' to read or write.
ALTER TABLE users ADD COLUMN platform_role text CHECK (platform_role IN ('staff'));

ALTER TABLE products ADD COLUMN taken_down_at timestamptz;
ALTER TABLE products ADD COLUMN taken_down_reason text;
ALTER TABLE products ADD CONSTRAINT products_taken_down_reason_check
    CHECK ((taken_down_at IS NULL) = (taken_down_reason IS NULL));

CREATE TABLE staff_actions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    staff_email   text NOT NULL,
    action        text NOT NULL CHECK (action IN ('grant_staff', 'revoke_staff', 'suspend_store', 'restore_store',
                      'take_down_product', 'restore_product', 'reconcile_session', 'resend_receipt')),
    target        text NOT NULL,
    tenant_id     bigint REFERENCES tenants (id) ON DELETE SET NULL,
    reason        text NOT NULL DEFAULT '',
    outcome       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_actions_recent_idx ON staff_actions (created_at DESC, id DESC);
CREATE INDEX staff_actions_tenant_idx ON staff_actions (tenant_id, created_at DESC) WHERE tenant_id IS NOT NULL;
REVOKE ALL ON staff_actions FROM claro_tenant;
