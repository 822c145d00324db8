ALTER TABLE products DROP COLUMN pwyw_min_cents, DROP COLUMN pwyw;
