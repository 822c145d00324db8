-- The catalog: a category tree shared by every store, products and their files.
CREATE TABLE categories (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id  bigint REFERENCES categories (id) ON DELETE RESTRICT,
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    name       text NOT NULL,
    position   int NOT NULL DEFAULT 0
);

CREATE TABLE products (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    slug          text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$' AND length(slug) <= 80),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 160),
    description   text NOT NULL DEFAULT '',
    price_cents   bigint NOT NULL CHECK (price_cents >= 0 AND price_cents <= 100000000),
    currency      text NOT NULL DEFAULT 'usd' CHECK (currency ~ '^[a-z]{3}$'),
    visibility    text NOT NULL DEFAULT 'draft' CHECK (visibility IN ('public', 'private', 'draft')),
    category_id   bigint REFERENCES categories (id) ON DELETE SET NULL,
    tags          text[] NOT NULL DEFAULT '{}',
    cover_key     text,
    content_md    text NOT NULL DEFAULT '',
    content_html  text NOT NULL DEFAULT '',
    sales_count   bigint NOT NULL DEFAULT 0,
    rating_count  bigint NOT NULL DEFAULT 0,
    rating_sum    bigint NOT NULL DEFAULT 0,
    trending_score double precision NOT NULL DEFAULT '-Infinity',
    published_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    UNIQUE (tenant_id, slug)
);
-- Storefront listing: a store's visible products, newest first, keyset on (created_at, id).
CREATE INDEX products_storefront_idx ON products (tenant_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL AND visibility IN ('public', 'private');
-- Marketplace "newest": public products across stores.
CREATE INDEX products_public_newest_idx ON products (created_at DESC, id DESC)
    WHERE deleted_at IS NULL AND visibility = 'public';
CREATE INDEX products_category_idx ON products (category_id);

CREATE TABLE product_files (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    product_id   bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    name         text NOT NULL,
    blob_key     text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    content_type text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_files_product_idx ON product_files (product_id);
