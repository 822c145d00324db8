-- Signed outbound webhooks (app/hooks): a store's endpoints, the events
-- they subscribe to, and a transactional outbox. claro_hook_enqueue writes
-- an event and one delivery per subscribed endpoint in the caller's
-- transaction (the paid order's, the refund's, the license activation's or
-- deactivation's, the product update's), so an event exists exactly when its cause
-- committed; it notifies hook_deliveries, heard at commit by every
-- instance's worker. Nothing secret is stored: an endpoint's signing
-- secrets are derived from the application secret, its id and its
-- generation (rotation adds one; the previous generation still signs until
-- previous_until).
CREATE TABLE hook_endpoints (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url            text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    events         text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 20),
    generation     integer NOT NULL DEFAULT 1 CHECK (generation >= 1),
    previous_until timestamptz,
    disabled_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, tenant_id)
);
CREATE INDEX hook_endpoints_tenant_idx ON hook_endpoints (tenant_id, id);

-- One event as every endpoint receives it: body is the exact JSON sent
-- (the same bytes on every attempt; only the signature's timestamp moves).
CREATE TABLE hook_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id  text NOT NULL UNIQUE,
    tenant_id  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    type       text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, tenant_id)
);

-- One event owed to one endpoint. status: pending (due at next_attempt_at),
-- delivered, failed (gave up, or refused for good). since is when the
-- current round of retries began (written, or redelivered by the creator).
CREATE TABLE hook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    endpoint_id     bigint NOT NULL,
    event_id        bigint NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    since           timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (endpoint_id, tenant_id) REFERENCES hook_endpoints (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (event_id, tenant_id) REFERENCES hook_events (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX hook_deliveries_due_idx ON hook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX hook_deliveries_tenant_idx ON hook_deliveries (tenant_id, id DESC);
CREATE INDEX hook_deliveries_event_idx ON hook_deliveries (event_id);

-- Every attempt of a delivery, for the dashboard's log: the signature sent,
-- the answer's status and the start of its body (capped by the worker),
-- or the error, and how long it took.
CREATE TABLE hook_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    delivery_id  bigint NOT NULL REFERENCES hook_deliveries (id) ON DELETE CASCADE,
    started_at   timestamptz NOT NULL,
    duration_ms  integer NOT NULL,
    signature    text NOT NULL,
    status_code  integer,
    response     text NOT NULL DEFAULT '',
    error        text
);
CREATE INDEX hook_attempts_delivery_idx ON hook_attempts (delivery_id, id);

ALTER TABLE hook_endpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY hook_endpoints_isolation ON hook_endpoints TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON hook_endpoints TO claro_tenant;
ALTER TABLE hook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY hook_events_isolation ON hook_events TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT ON hook_events TO claro_tenant;
ALTER TABLE hook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY hook_deliveries_isolation ON hook_deliveries TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT, UPDATE ON hook_deliveries TO claro_tenant;
ALTER TABLE hook_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY hook_attempts_isolation ON hook_attempts TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT ON hook_attempts TO claro_tenant;

-- claro_hook_enqueue writes event kind with data for store tid, owed to
-- every live endpoint of the store subscribed to kind (or, with target, to
-- that one endpoint of the store whatever it subscribes to: the
-- dashboard's test event). It returns the event's id, NULL when no
-- endpoint wants it (then nothing is written). SECURITY DEFINER: a
-- creator's transaction runs as claro_tenant and a trigger calls it.
CREATE FUNCTION claro_hook_enqueue(tid bigint, kind text, data jsonb, target bigint DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    eid bigint;
    pub text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM hook_endpoints e WHERE e.tenant_id = tid AND e.disabled_at IS NULL
            AND (e.id = target OR target IS NULL AND kind = ANY (e.events))) THEN
        RETURN NULL;
    END IF;
    pub := 'evt_' || replace(gen_random_uuid()::text, '-', '');
    INSERT INTO hook_events (public_id, tenant_id, type, body)
    SELECT pub, tid, kind, jsonb_build_object('id', pub, 'type', kind,
            'created', floor(extract(epoch FROM now()))::bigint,
            'store', jsonb_build_object('id', t.id, 'slug', t.slug, 'name', t.name),
            'data', data)::text
    FROM tenants t WHERE t.id = tid
    RETURNING id INTO eid;
    INSERT INTO hook_deliveries (tenant_id, endpoint_id, event_id)
    SELECT tid, e.id, eid FROM hook_endpoints e WHERE e.tenant_id = tid AND e.disabled_at IS NULL
        AND (e.id = target OR target IS NULL AND kind = ANY (e.events));
    PERFORM pg_notify('hook_deliveries', '');
    RETURN eid;
END $$;

-- claro_hook_order is an order as sale, refund and dispute events carry it.
CREATE FUNCTION claro_hook_order(oid bigint) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT jsonb_build_object('id', o.id, 'email', o.email, 'status', o.status, 'currency', o.currency,
        'amount_total_cents', o.amount_total_cents, 'amount_refunded_cents', o.amount_refunded_cents,
        'paid_at', o.paid_at,
        'items', coalesce((SELECT jsonb_agg(jsonb_build_object('product_id', i.product_id, 'title', i.title,
            'unit_price_cents', i.unit_price_cents, 'quantity', i.quantity) ORDER BY i.product_id)
            FROM order_items i WHERE i.order_id = o.id), '[]'::jsonb))
    FROM orders o WHERE o.id = oid
$$;

-- A product's update is an event for the stores that want it, whatever
-- wrote it (the dashboard, the API): a trigger, in the writer's
-- transaction. Counters (sales, ratings, trending) are not an update.
CREATE FUNCTION claro_hook_products_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    PERFORM claro_hook_enqueue(n.tenant_id, 'product.updated', jsonb_build_object('product', jsonb_build_object(
            'id', n.id, 'slug', n.slug, 'title', n.title, 'description', n.description,
            'price_cents', n.price_cents, 'pay_what_you_want', n.pwyw, 'pwyw_min_cents', n.pwyw_min_cents, 'currency', n.currency, 'visibility', n.visibility,
            'tags', to_jsonb(n.tags), 'published_at', n.published_at, 'updated_at', n.updated_at,
            'deleted', n.deleted_at IS NOT NULL, 'taken_down', n.taken_down_at IS NOT NULL)))
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.slug, o.title, o.description, o.price_cents, o.currency, o.visibility, o.tags, o.category_id,
            o.cover_key, o.content_md, o.published_at, o.deleted_at, o.taken_down_at, o.license_keys, o.activation_limit, o.pwyw, o.pwyw_min_cents)
        IS DISTINCT FROM (n.slug, n.title, n.description, n.price_cents, n.currency, n.visibility, n.tags, n.category_id,
            n.cover_key, n.content_md, n.published_at, n.deleted_at, n.taken_down_at, n.license_keys, n.activation_limit, n.pwyw, n.pwyw_min_cents)
        AND EXISTS (SELECT 1 FROM hook_endpoints e WHERE e.tenant_id = n.tenant_id AND e.disabled_at IS NULL
            AND 'product.updated' = ANY (e.events));
    RETURN NULL;
END $$;

CREATE TRIGGER products_hook_update AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claro_hook_products_updated();

-- A license activation, and an activation freed (by the license API, the
-- buyer's library or the store's reset), is an event for the stores that
-- want it, in the writer's transaction: triggers, so no path forgets it.
-- activations counts the key's live ones after the statement.
CREATE FUNCTION claro_hook_license_event(ev_kind text, ev_key bigint, ev_instance text, ev_name text, ev_activated timestamptz)
    RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    SELECT claro_hook_enqueue(k.tenant_id, ev_kind, jsonb_build_object(
        'license', jsonb_build_object('id', k.id, 'last4', k.last4, 'order_id', k.order_id,
            'product', jsonb_build_object('id', p.id, 'title', p.title, 'store', t.slug),
            'status', CASE WHEN k.disabled_at IS NULL THEN 'active' ELSE 'disabled' END,
            'activation_limit', p.activation_limit,
            'activations', (SELECT count(*) FROM license_activations a WHERE a.key_id = k.id AND a.deactivated_at IS NULL)),
        'instance', jsonb_build_object('id', ev_instance, 'name', ev_name, 'activated_at', ev_activated)))
    FROM license_keys k JOIN products p ON p.id = k.product_id JOIN tenants t ON t.id = k.tenant_id
    WHERE k.id = ev_key AND EXISTS (SELECT 1 FROM hook_endpoints e WHERE e.tenant_id = k.tenant_id AND e.disabled_at IS NULL
        AND ev_kind = ANY (e.events))
$$;

CREATE FUNCTION claro_hook_license_activations() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM claro_hook_license_event('license.activated', n.key_id, n.instance_id, n.instance_name, n.created_at)
        FROM new_rows n WHERE n.deactivated_at IS NULL;
    ELSE
        PERFORM claro_hook_license_event('license.deactivated', n.key_id, n.instance_id, n.instance_name, n.created_at)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.deactivated_at IS NULL AND n.deactivated_at IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER license_activations_hook_insert AFTER INSERT ON license_activations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claro_hook_license_activations();
CREATE TRIGGER license_activations_hook_update AFTER UPDATE ON license_activations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claro_hook_license_activations();
