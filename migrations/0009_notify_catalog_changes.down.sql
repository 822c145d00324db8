DROP TRIGGER IF EXISTS categories_catalog_changed ON categories;
DROP TRIGGER IF EXISTS tenants_catalog_changed ON tenants;
DROP TRIGGER IF EXISTS product_files_catalog_changed ON product_files;
DROP TRIGGER IF EXISTS products_catalog_changed ON products;
DROP FUNCTION IF EXISTS claro_notify_catalog_changed();
