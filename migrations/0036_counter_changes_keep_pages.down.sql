-- Every product change announces its store again, counters included.
CREATE OR REPLACE FUNCTION claro_notify_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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
