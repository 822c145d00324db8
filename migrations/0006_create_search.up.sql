-- Discovery: full-text and typo-tolerant search over the catalog, keyset
-- indexes for every sort, the trending log-add-exp, and the transactional
-- outbox that keeps an external index (Meilisearch) in step with the catalog.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- array_to_string is only STABLE; a text[] of tags renders the same forever,
-- so this wrapper may be IMMUTABLE and used in a generated column.
CREATE FUNCTION claro_tags_text(tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_to_string(tags, ' ') $$;

-- log(e^a + e^b) without overflow: the trending score of ARCHITECTURE.md
-- ("ln Σ e^(λ·t_sale)"). exp() raises on underflow, hence the cut-off.
CREATE FUNCTION claro_logaddexp(a double precision, b double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE
        WHEN a = '-Infinity' THEN b
        WHEN b = '-Infinity' THEN a
        WHEN abs(a - b) > 50 THEN greatest(a, b)
        ELSE greatest(a, b) + ln(1 + exp(-abs(a - b)))
    END $$;

-- Derived columns start with an underscore: Bun skips such columns when it
-- scans RETURNING * into a model that does not declare them, so every existing
-- products model keeps working unchanged.
-- Weighted document: title (A) over tags (B) over description (C).
ALTER TABLE products ADD COLUMN _search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', claro_tags_text(tags)), 'B') ||
    setweight(to_tsvector('english', description), 'C')
) STORED;

-- Bayesian average rating (prior mean 3.5 worth 5 ratings), in float8
-- arithmetic so Go computes the very same value (search.BayesRating).
ALTER TABLE products ADD COLUMN _bayes_rating double precision GENERATED ALWAYS AS (
    (rating_sum::float8 + 17.5) / (rating_count::float8 + 5)
) STORED;

-- Every index below is partial on what global discovery may ever show; the
-- store half of the rule (tenants) is a cheap primary-key join.
CREATE INDEX products_search_vector_idx ON products USING gin (_search_vector)
    WHERE deleted_at IS NULL AND visibility = 'public';
CREATE INDEX products_title_trgm_idx ON products USING gin (title gin_trgm_ops)
    WHERE deleted_at IS NULL AND visibility = 'public';
CREATE INDEX products_tags_idx ON products USING gin (tags)
    WHERE deleted_at IS NULL AND visibility = 'public';
-- Keyset pagination: (sort key, id) in the sort's direction, so page 200 is an
-- index seek like page 1. "newest" uses products_public_newest_idx (0002).
CREATE INDEX products_public_price_idx ON products (price_cents, id)
    WHERE deleted_at IS NULL AND visibility = 'public';
CREATE INDEX products_public_sales_idx ON products (sales_count DESC, id DESC)
    WHERE deleted_at IS NULL AND visibility = 'public';
CREATE INDEX products_public_trending_idx ON products (trending_score DESC, id DESC)
    WHERE deleted_at IS NULL AND visibility = 'public';
CREATE INDEX products_public_rating_idx ON products (_bayes_rating DESC, id DESC)
    WHERE deleted_at IS NULL AND visibility = 'public';
CREATE INDEX products_tenant_idx ON products (tenant_id);

-- The outbox: one row per product whose search document may have changed,
-- written by triggers in the same transaction as the change, so no code path
-- can forget it. The worker pushes the product's current state, never a payload.
-- The trigger functions are SECURITY DEFINER: a creator's transaction runs as
-- claro_tenant under row-level security (0004), and must still enqueue.
CREATE TABLE search_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id   bigint NOT NULL,
    attempts     int NOT NULL DEFAULT 0,
    available_at timestamptz NOT NULL DEFAULT now(),
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_outbox_available_idx ON search_outbox (available_at, id);

CREATE FUNCTION search_outbox_products_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO search_outbox (product_id) SELECT id FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO search_outbox (product_id) SELECT id FROM old_rows;
    ELSE
        INSERT INTO search_outbox (product_id)
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o IS DISTINCT FROM n;
    END IF;
    PERFORM pg_notify('search_outbox', '');
    RETURN NULL;
END $$;

CREATE TRIGGER products_search_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_products_changed();
CREATE TRIGGER products_search_update AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_products_changed();
CREATE TRIGGER products_search_delete AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_products_changed();

-- A store's status, payments or public name decide every one of its products'
-- documents: enqueue them all.
CREATE FUNCTION search_outbox_tenants_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO search_outbox (product_id)
    SELECT p.id FROM products p
    JOIN new_rows n ON n.id = p.tenant_id
    JOIN old_rows o ON o.id = n.id
    WHERE (o.status, o.charges_enabled, o.slug, o.name)
        IS DISTINCT FROM (n.status, n.charges_enabled, n.slug, n.name);
    PERFORM pg_notify('search_outbox', '');
    RETURN NULL;
END $$;

CREATE TRIGGER tenants_search_update AFTER UPDATE ON tenants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_tenants_changed();

-- A renamed or moved category changes the category path of every product in
-- its subtree.
CREATE FUNCTION search_outbox_categories_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO search_outbox (product_id)
    WITH RECURSIVE sub AS (
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (o.slug, o.parent_id) IS DISTINCT FROM (n.slug, n.parent_id)
        UNION
        SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id
    )
    SELECT p.id FROM products p JOIN sub ON p.category_id = sub.id;
    PERFORM pg_notify('search_outbox', '');
    RETURN NULL;
END $$;

CREATE TRIGGER categories_search_update AFTER UPDATE ON categories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_categories_changed();
