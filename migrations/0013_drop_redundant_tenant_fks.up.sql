-- An order's items and entitlements hang off their order (order_id, ON DELETE
-- CASCADE), and the order off its store (orders.tenant_id, ON DELETE CASCADE),
-- so their own tenant_id → tenants keys added nothing: deleting a store
-- removed the rows through the order either way. What they cost was two more
-- FOR KEY SHARE locks on the store's row per sale, from every concurrent
-- webhook: the hottest row of a busy store, turned into a MultiXact. The
-- tenant_id columns stay, for row-level security (0004, 0005).
ALTER TABLE order_items DROP CONSTRAINT order_items_tenant_id_fkey;
ALTER TABLE entitlements DROP CONSTRAINT entitlements_tenant_id_fkey;
