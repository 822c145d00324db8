-- The sales dashboard filters a store's orders by product, and deleting a
-- product checks order_items for it (ON DELETE RESTRICT): both read
-- order_items by product, which the primary key (order_id, product_id)
-- cannot serve. order_items grows with every sale, so the index is built
-- CONCURRENTLY: writes go on while it builds. Such a statement cannot run in
-- a transaction, so this file is not a .tx file, and each statement is its
-- own (--bun:split). A build that failed halfway leaves an INVALID index
-- behind; dropping it first makes the migration safe to run again
-- (docs/runbooks/migrations.md).
DROP INDEX CONCURRENTLY IF EXISTS order_items_product_idx;
--bun:split
CREATE INDEX CONCURRENTLY order_items_product_idx ON order_items (tenant_id, product_id);
