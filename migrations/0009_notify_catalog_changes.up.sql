-- Every change that can alter a rendered page announces itself on the
-- catalog_changed channel, in the changing transaction (NOTIFY is delivered on
-- commit). The payload is the store's id, or 0 when every page may change
-- (categories). Each app instance listens and drops its cached pages and
-- cached host answers for that store: precise invalidation across machines.
CREATE FUNCTION claro_notify_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tid bigint;
BEGIN
    IF TG_TABLE_NAME = 'categories' THEN
        tid := 0;
    ELSIF TG_TABLE_NAME = 'tenants' THEN
        tid := COALESCE(NEW.id, OLD.id);
    ELSE
        tid := COALESCE(NEW.tenant_id, OLD.tenant_id);
    END IF;
    PERFORM pg_notify('catalog_changed', tid::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER products_catalog_changed AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH ROW EXECUTE FUNCTION claro_notify_catalog_changed();
CREATE TRIGGER product_files_catalog_changed AFTER INSERT OR UPDATE OR DELETE ON product_files
    FOR EACH ROW EXECUTE FUNCTION claro_notify_catalog_changed();
CREATE TRIGGER tenants_catalog_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION claro_notify_catalog_changed();
CREATE TRIGGER categories_catalog_changed AFTER INSERT OR UPDATE OR DELETE ON categories
    FOR EACH ROW EXECUTE FUNCTION claro_notify_catalog_changed();
