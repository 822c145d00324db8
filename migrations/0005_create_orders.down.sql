DROP TABLE IF EXISTS stripe_accounts;
DROP TABLE IF EXISTS pending_adjustments;
DROP TABLE IF EXISTS stripe_events;
DROP TABLE IF EXISTS entitlements;
DROP TABLE IF EXISTS order_items;
DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS checkout_items;
DROP TABLE IF EXISTS checkouts;
