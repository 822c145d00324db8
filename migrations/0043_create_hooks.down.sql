DROP TRIGGER products_hook_update ON products;
DROP FUNCTION claro_hook_products_updated();
DROP FUNCTION claro_hook_order(bigint);
DROP FUNCTION claro_hook_enqueue(bigint, text, jsonb, bigint);
DROP TABLE hook_attempts;
DROP TABLE hook_deliveries;
DROP TABLE hook_events;
DROP TABLE hook_endpoints;
