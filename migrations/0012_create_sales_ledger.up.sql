-- The sales ledger: every unit an order sells (units > 0) or a full refund
-- takes back (units < 0), written in the order's own transaction. The money
-- path no longer rewrites a wide, heavily indexed product row per sale, nor
-- fires the product triggers' NOTIFYs (which serialise commits on the global
-- notify lock); search.Sales folds the ledger into products.sales_count and
-- trending_score in batches, one UPDATE per batch, shortly after commit.
CREATE TABLE sales_ledger (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint NOT NULL,
    units      int NOT NULL CHECK (units <> 0),
    sold_at    timestamptz NOT NULL DEFAULT now()
);
