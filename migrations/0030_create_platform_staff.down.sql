DROP TABLE IF EXISTS staff_actions;
ALTER TABLE products DROP CONSTRAINT IF EXISTS products_taken_down_reason_check;
ALTER TABLE products DROP COLUMN IF EXISTS taken_down_reason;
ALTER TABLE products DROP COLUMN IF EXISTS taken_down_at;
ALTER TABLE users DROP COLUMN IF EXISTS platform_role;
