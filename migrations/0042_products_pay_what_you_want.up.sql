-- Pay what you want: a product with pwyw set lets the buyer choose what to
-- pay, at least pwyw_min_cents (zero allowed); its price_cents is the
-- suggested price. The amount rides in the cart and is checked again
-- against these columns when checkout opens (app/cart, app/checkout).
ALTER TABLE products
    ADD COLUMN pwyw boolean NOT NULL DEFAULT false,
    ADD COLUMN pwyw_min_cents bigint NOT NULL DEFAULT 0 CHECK (pwyw_min_cents >= 0 AND pwyw_min_cents <= 100000000);
