-- The money path: the Checkout Sessions the server opened, the orders Stripe's
-- webhooks turned them into, what each order unlocks (entitlements), the event
-- ids already handled, refunds and disputes that arrived before their order,
-- and each store's Connect account state. Tables with a tenant_id are tenant
-- owned: row-level security (0004) hides other stores' rows from claro_tenant.

CREATE TABLE checkouts (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id                  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id                    bigint REFERENCES users (id) ON DELETE SET NULL,
    email                      text NOT NULL DEFAULT '' CHECK (email = lower(email)),
    stripe_checkout_session_id text UNIQUE,
    amount_total_cents         bigint NOT NULL CHECK (amount_total_cents > 0),
    application_fee_cents      bigint NOT NULL CHECK (application_fee_cents >= 0),
    currency                   text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
    status                     text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'completed', 'failed', 'amount_mismatch')),
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checkouts_tenant_idx ON checkouts (tenant_id, created_at DESC);

-- The lines of a checkout, priced from the database when it was opened.
CREATE TABLE checkout_items (
    checkout_id      bigint NOT NULL REFERENCES checkouts (id) ON DELETE CASCADE,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    product_id       bigint NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    title            text NOT NULL,
    unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
    quantity         int NOT NULL CHECK (quantity BETWEEN 1 AND 100),
    PRIMARY KEY (checkout_id, product_id)
);

CREATE TABLE orders (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id                  bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    checkout_id                bigint NOT NULL UNIQUE REFERENCES checkouts (id) ON DELETE RESTRICT,
    user_id                    bigint REFERENCES users (id) ON DELETE SET NULL,
    email                      text NOT NULL DEFAULT '',
    stripe_checkout_session_id text NOT NULL UNIQUE,
    stripe_payment_intent_id   text UNIQUE,
    amount_total_cents         bigint NOT NULL CHECK (amount_total_cents >= 0),
    application_fee_cents      bigint NOT NULL CHECK (application_fee_cents >= 0),
    amount_refunded_cents      bigint NOT NULL DEFAULT 0 CHECK (amount_refunded_cents >= 0),
    currency                   text NOT NULL,
    status                     text NOT NULL
        CHECK (status IN ('pending', 'paid', 'failed', 'partially_refunded', 'refunded', 'disputed')),
    paid_at                    timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_tenant_idx ON orders (tenant_id, created_at DESC);
CREATE INDEX orders_user_idx ON orders (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX orders_guest_email_idx ON orders (email) WHERE user_id IS NULL;

CREATE TABLE order_items (
    order_id         bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    product_id       bigint NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    title            text NOT NULL,
    unit_price_cents bigint NOT NULL,
    quantity         int NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

-- A buyer may open a product's content while a row without revoked_at exists.
-- A guest's rows carry the email until an account with it appears (user_id).
CREATE TABLE entitlements (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id       bigint REFERENCES users (id) ON DELETE CASCADE,
    email         text NOT NULL DEFAULT '',
    product_id    bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    order_id      bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    revoke_reason text,
    UNIQUE (order_id, product_id)
);
CREATE INDEX entitlements_user_idx ON entitlements (user_id, product_id) WHERE revoked_at IS NULL;
CREATE INDEX entitlements_guest_idx ON entitlements (email) WHERE user_id IS NULL;

-- Every Stripe event id handled, on either endpoint: a duplicate delivery ends
-- at this primary key, inside the transaction that applies the event.
CREATE TABLE stripe_events (
    id          text PRIMARY KEY,
    type        text NOT NULL,
    account     text NOT NULL DEFAULT '',
    livemode    boolean NOT NULL,
    created     timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Refunds and disputes seen before the order they belong to: applied, then
-- marked, when that order is written.
CREATE TABLE pending_adjustments (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stripe_payment_intent_id text NOT NULL,
    kind                     text NOT NULL CHECK (kind IN ('refund', 'dispute')),
    amount_refunded_cents    bigint NOT NULL DEFAULT 0,
    full_refund              boolean NOT NULL DEFAULT false,
    stripe_event_id          text NOT NULL,
    created_at               timestamptz NOT NULL DEFAULT now(),
    applied_at               timestamptz
);
CREATE INDEX pending_adjustments_pi_idx ON pending_adjustments (stripe_payment_intent_id) WHERE applied_at IS NULL;

-- A store's Connect account as the last applied account.updated left it.
-- charges_enabled/payouts_enabled are mirrored on tenants, which the rest of
-- the product reads.
CREATE TABLE stripe_accounts (
    tenant_id       bigint PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    account_id      text NOT NULL UNIQUE,
    charges_enabled boolean NOT NULL DEFAULT false,
    payouts_enabled boolean NOT NULL DEFAULT false,
    details_submitted boolean NOT NULL DEFAULT false,
    currently_due   text[] NOT NULL DEFAULT '{}',
    past_due        text[] NOT NULL DEFAULT '{}',
    disabled_reason text NOT NULL DEFAULT '',
    deauthorized    boolean NOT NULL DEFAULT false,
    event_created   timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE checkouts ENABLE ROW LEVEL SECURITY;
CREATE POLICY checkouts_isolation ON checkouts TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
ALTER TABLE checkout_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY checkout_items_isolation ON checkout_items TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_isolation ON orders TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
ALTER TABLE order_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY order_items_isolation ON order_items TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
ALTER TABLE entitlements ENABLE ROW LEVEL SECURITY;
CREATE POLICY entitlements_isolation ON entitlements TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
ALTER TABLE stripe_accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY stripe_accounts_isolation ON stripe_accounts TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON checkouts, checkout_items, orders, order_items,
    entitlements, stripe_accounts TO claro_tenant;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO claro_tenant;
