-- A search within a category (the marketplace's most common filtered search)
-- intersects the words and the category inside one GIN index, so only real
-- matches are read from the table: with the words' index alone, every
-- product using those words anywhere was fetched and then dropped by its
-- category. btree_gin lets a plain column sit in a GIN index beside the
-- tsvector; it ships with PostgreSQL and is a trusted extension.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX products_category_search_idx ON products USING gin (category_id, _search_vector)
    WHERE deleted_at IS NULL AND visibility = 'public';
