-- Reviews: one per buyer per product (the unique key makes a crafted request or
-- a double-click edit the first review, never add a second), written only
-- while the buyer holds a live entitlement. A review stays in the table when
-- its purchase is refunded or disputed, but visible turns false and it leaves
-- the page and the aggregates; a new purchase brings it back.
--
-- The aggregates products.rating_count and rating_sum (and with them the
-- generated _bayes_rating that top_rated sorts on) move by deltas in the
-- review's own transaction, from a trigger, so no code path can forget them
-- and nothing ever counts on page load. The products triggers of 0006 and
-- 0009 then enqueue the search document and drop cached pages.
CREATE TABLE reviews (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    product_id   bigint NOT NULL,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating       smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title        text NOT NULL DEFAULT '' CHECK (length(title) <= 120),
    body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    visible      boolean NOT NULL DEFAULT true,
    response     text CHECK (length(response) BETWEEN 1 AND 2000),
    response_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    responded_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, user_id),
    FOREIGN KEY (product_id, tenant_id) REFERENCES products (id, tenant_id) ON DELETE CASCADE
);
-- The product page's list: visible reviews, newest first, keyset on (created_at, id).
CREATE INDEX reviews_product_page_idx ON reviews (product_id, created_at DESC, id DESC) WHERE visible;
CREATE INDEX reviews_user_idx ON reviews (user_id);

-- The database's own wall: a review is written or edited only by a buyer
-- holding a live entitlement to the product.
CREATE FUNCTION claro_review_requires_entitlement() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entitlements e
                   WHERE e.product_id = NEW.product_id AND e.user_id = NEW.user_id AND e.revoked_at IS NULL) THEN
        RAISE EXCEPTION 'review by user % of product % without a live entitlement', NEW.user_id, NEW.product_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'reviews_entitlement_check';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.product_id, NEW.user_id, NEW.tenant_id) IS DISTINCT FROM (OLD.product_id, OLD.user_id, OLD.tenant_id) THEN
        RAISE EXCEPTION 'a review cannot move' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reviews_entitlement BEFORE INSERT OR UPDATE OF rating, title, body, product_id, user_id, tenant_id ON reviews
    FOR EACH ROW EXECUTE FUNCTION claro_review_requires_entitlement();

-- Aggregates by delta: what the old row counted is taken away, what the new
-- row counts is added, on the product row (locked by the UPDATE, so
-- concurrent reviews of one product add up).
CREATE FUNCTION claro_reviews_rating_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    dc bigint := 0;
    ds bigint := 0;
    pid bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.visible THEN
        dc := dc - 1; ds := ds - OLD.rating; pid := OLD.product_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.visible THEN
        dc := dc + 1; ds := ds + NEW.rating; pid := NEW.product_id;
    END IF;
    IF dc <> 0 OR ds <> 0 THEN
        UPDATE products SET rating_count = rating_count + dc, rating_sum = rating_sum + ds WHERE id = pid;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reviews_rating AFTER INSERT OR DELETE OR UPDATE OF rating, visible ON reviews
    FOR EACH ROW EXECUTE FUNCTION claro_reviews_rating_changed();

-- Any change to a review changes a rendered page of its store.
CREATE TRIGGER reviews_catalog_changed AFTER INSERT OR UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION claro_notify_catalog_changed();

-- A refund or dispute revokes entitlements (app/orders); a purchase or a
-- guest purchase claimed by an account grants them. Each change sets the
-- buyer's review of that product visible exactly while a live entitlement
-- exists, in the same transaction, and the rating trigger moves the aggregates.
CREATE FUNCTION claro_sync_review_visibility(p_product bigint, p_user bigint) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE reviews r SET visible = live.ok
    FROM (SELECT EXISTS (SELECT 1 FROM entitlements e
                         WHERE e.product_id = p_product AND e.user_id = p_user AND e.revoked_at IS NULL) AS ok) live
    WHERE r.product_id = p_product AND r.user_id = p_user AND r.visible IS DISTINCT FROM live.ok
$$;

CREATE FUNCTION claro_entitlements_review_visibility() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.user_id IS NOT NULL THEN
        PERFORM claro_sync_review_visibility(OLD.product_id, OLD.user_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.user_id IS NOT NULL THEN
        PERFORM claro_sync_review_visibility(NEW.product_id, NEW.user_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER entitlements_review_visibility AFTER INSERT OR DELETE OR UPDATE OF revoked_at, user_id, product_id ON entitlements
    FOR EACH ROW EXECUTE FUNCTION claro_entitlements_review_visibility();

-- Creators answer reviews inside their store's transaction (db.InTenant).
ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY reviews_isolation ON reviews TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON reviews TO claro_tenant;
