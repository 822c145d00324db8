DROP INDEX IF EXISTS products_category_search_idx;
DROP EXTENSION IF EXISTS btree_gin;
