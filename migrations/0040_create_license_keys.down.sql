DROP TABLE license_activations;
DROP TABLE license_keys;
ALTER TABLE products DROP COLUMN activation_limit, DROP COLUMN license_keys;
