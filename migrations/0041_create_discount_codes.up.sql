-- Discount codes per store (app/discounts). A code takes a percent or a
-- fixed amount off the store's products (all of them, or those listed in
-- discount_code_products), between optional start and end times, with an
-- optional cap on total redemptions and on redemptions per buyer and an
-- optional minimum order. The code is unique per store whatever its case.
--
-- discount_uses is both the hold a checkout takes on a code when its Stripe
-- session opens and, once the order is paid, the redemption: a hold counts
-- against the cap while it is live (expires_at in the future), a
-- redemption (order_id set) for ever. An abandoned checkout's hold expires,
-- so it never uses the code up. The code's row is locked (FOR UPDATE)
-- while a hold is counted and taken, so a code capped at N never has N+1.
-- flag notes a redemption that came in past the rules (the hold had expired,
-- or the buyer had used the code already): a paid order is never refused.
CREATE TABLE discount_codes (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    code             text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{2,40}$'),
    kind             text NOT NULL CHECK (kind IN ('percent', 'amount')),
    -- percent: 1 to 100; amount: minor units of currency.
    value            bigint NOT NULL CHECK (value > 0),
    currency         text NOT NULL DEFAULT 'usd',
    all_products     boolean NOT NULL DEFAULT true,
    starts_at        timestamptz,
    ends_at          timestamptz,
    max_redemptions  integer CHECK (max_redemptions > 0),
    max_per_buyer    integer CHECK (max_per_buyer > 0),
    min_order_cents  bigint NOT NULL DEFAULT 0 CHECK (min_order_cents >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    archived_at      timestamptz,
    CHECK (kind <> 'percent' OR value <= 100),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at),
    UNIQUE (id, tenant_id)
);
CREATE UNIQUE INDEX discount_codes_code_idx ON discount_codes (tenant_id, lower(code));

CREATE TABLE discount_code_products (
    code_id    bigint NOT NULL,
    tenant_id  bigint NOT NULL,
    product_id bigint NOT NULL,
    PRIMARY KEY (code_id, product_id),
    FOREIGN KEY (code_id, tenant_id) REFERENCES discount_codes (id, tenant_id) ON DELETE CASCADE,
    FOREIGN KEY (product_id, tenant_id) REFERENCES products (id, tenant_id) ON DELETE CASCADE
);

CREATE TABLE discount_uses (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        bigint NOT NULL,
    code_id          bigint NOT NULL,
    checkout_id      bigint NOT NULL UNIQUE REFERENCES checkouts (id) ON DELETE CASCADE,
    order_id         bigint UNIQUE REFERENCES orders (id) ON DELETE CASCADE,
    user_id          bigint REFERENCES users (id) ON DELETE SET NULL,
    email            text NOT NULL DEFAULT '',
    amount_off_cents bigint NOT NULL CHECK (amount_off_cents >= 0),
    expires_at       timestamptz NOT NULL,
    redeemed_at      timestamptz,
    flag             text CHECK (flag IN ('late', 'buyer_limit')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (code_id, tenant_id) REFERENCES discount_codes (id, tenant_id) ON DELETE CASCADE
);
CREATE INDEX discount_uses_code_idx ON discount_uses (code_id, expires_at);
CREATE INDEX discount_uses_buyer_idx ON discount_uses (code_id, user_id);
CREATE INDEX discount_uses_email_idx ON discount_uses (code_id, email);

ALTER TABLE discount_codes ENABLE ROW LEVEL SECURITY;
CREATE POLICY discount_codes_isolation ON discount_codes TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
ALTER TABLE discount_code_products ENABLE ROW LEVEL SECURITY;
CREATE POLICY discount_code_products_isolation ON discount_code_products TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
ALTER TABLE discount_uses ENABLE ROW LEVEL SECURITY;
CREATE POLICY discount_uses_isolation ON discount_uses TO claro_tenant
    USING (tenant_id = claro_current_tenant()) WITH CHECK (tenant_id = claro_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON discount_codes, discount_code_products, discount_uses TO claro_tenant;
