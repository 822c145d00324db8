-- A product update that changes its counters alone (sales_count and
-- trending_score: what the sales ledger's applier folds in after every sale)
-- announces 'counters:<store id>' instead of '<store id>'. Listeners then drop
-- only what shows counters (the marketplace's rankings) and keep the store's
-- pages and its cached host answer, which a sale does not change. Every
-- other change announces the store as before. Comparing the rows as jsonb
-- minus the counters keeps the rule true for columns added later.
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
    IF TG_TABLE_NAME = 'products' AND TG_OP = 'UPDATE'
       AND to_jsonb(OLD) - ARRAY['sales_count', 'trending_score'] = to_jsonb(NEW) - ARRAY['sales_count', 'trending_score'] THEN
        PERFORM pg_notify('catalog_changed', 'counters:' || tid::text);
    ELSE
        PERFORM pg_notify('catalog_changed', tid::text);
    END IF;
    RETURN NULL;
END
$$;
