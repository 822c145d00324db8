DROP TRIGGER IF EXISTS entitlements_review_visibility ON entitlements;
DROP FUNCTION IF EXISTS claro_entitlements_review_visibility();
DROP FUNCTION IF EXISTS claro_sync_review_visibility(bigint, bigint);
DROP TABLE IF EXISTS reviews;
DROP FUNCTION IF EXISTS claro_reviews_rating_changed();
DROP FUNCTION IF EXISTS claro_review_requires_entitlement();
