DROP INDEX CONCURRENTLY IF EXISTS order_items_product_idx;
