-- Typo tolerance on PostgreSQL: the vocabulary of discovery. One row per word
-- (lower case, split at every character that is not a letter or digit) that
-- some public, live product uses in its title, tags or description, with how
-- many such products use it (docs) and its English stem (lexeme, NULL for a
-- stop word). The search backend looks a query's words up here: a word whose
-- stem is known is searched as typed; any other is corrected to the known
-- words within Meilisearch's typo allowance, found by trigram (pg_trgm, 0006)
-- and checked by exact distance in Go. The store half of eligibility (an
-- active store that can take payments) is left to the search itself, as the
-- partial indexes of 0006 leave it.
CREATE TABLE search_vocabulary (
    word   text PRIMARY KEY,
    lexeme text,
    docs   int NOT NULL
);
CREATE INDEX search_vocabulary_word_trgm_idx ON search_vocabulary USING gin (word gin_trgm_ops);
CREATE INDEX search_vocabulary_lexeme_idx ON search_vocabulary (lexeme);

-- The distinct words of one product's searchable text, as the search
-- backend splits a query (search.queryWords).
CREATE FUNCTION claro_search_words(title text, tags text[], description text) RETURNS SETOF text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT DISTINCT w FROM regexp_split_to_table(
        lower(title || ' ' || claro_tags_text(tags) || ' ' || description), '[^[:alnum:]]+') w
        WHERE w <> '' $$;

-- Adds deltas[i] to the document frequency of words[i], dropping words no
-- product uses any more. Words are applied in order, so two writers lock the
-- rows they share in the same order.
CREATE FUNCTION claro_search_vocabulary_apply(words text[], deltas int[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    INSERT INTO search_vocabulary AS v (word, lexeme, docs)
    SELECT w, (ts_lexize('english_stem', w))[1], d FROM unnest(words, deltas) u(w, d)
    WHERE words IS NOT NULL ORDER BY w
    ON CONFLICT (word) DO UPDATE SET docs = v.docs + excluded.docs;
    DELETE FROM search_vocabulary WHERE word = ANY (words) AND docs <= 0;
$$;

-- Kept in step by trigger in the same transaction as the product change, next
-- to the search outbox's triggers (0006): every path that changes a product
-- changes the vocabulary with it.
CREATE FUNCTION search_vocabulary_products_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    ws text[];
    ds int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(w ORDER BY w), array_agg(d ORDER BY w) INTO ws, ds FROM (
            SELECT w, count(*)::int AS d FROM new_rows n, claro_search_words(n.title, n.tags, n.description) w
            WHERE n.visibility = 'public' AND n.deleted_at IS NULL GROUP BY w) x;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(w ORDER BY w), array_agg(d ORDER BY w) INTO ws, ds FROM (
            SELECT w, -count(*)::int AS d FROM old_rows o, claro_search_words(o.title, o.tags, o.description) w
            WHERE o.visibility = 'public' AND o.deleted_at IS NULL GROUP BY w) x;
    ELSE
        SELECT array_agg(w ORDER BY w), array_agg(d ORDER BY w) INTO ws, ds FROM (
            SELECT w, sum(d)::int AS d FROM (
                SELECT w, -1 AS d FROM old_rows o JOIN new_rows n ON n.id = o.id,
                    claro_search_words(o.title, o.tags, o.description) w
                WHERE o.visibility = 'public' AND o.deleted_at IS NULL
                  AND (o.title, o.tags, o.description, o.visibility, o.deleted_at)
                      IS DISTINCT FROM (n.title, n.tags, n.description, n.visibility, n.deleted_at)
                UNION ALL
                SELECT w, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id,
                    claro_search_words(n.title, n.tags, n.description) w
                WHERE n.visibility = 'public' AND n.deleted_at IS NULL
                  AND (o.title, o.tags, o.description, o.visibility, o.deleted_at)
                      IS DISTINCT FROM (n.title, n.tags, n.description, n.visibility, n.deleted_at)
            ) u GROUP BY w HAVING sum(d) <> 0) x;
    END IF;
    IF ws IS NOT NULL THEN
        PERFORM claro_search_vocabulary_apply(ws, ds);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER products_vocabulary_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_vocabulary_products_changed();
CREATE TRIGGER products_vocabulary_update AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_vocabulary_products_changed();
CREATE TRIGGER products_vocabulary_delete AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_vocabulary_products_changed();

INSERT INTO search_vocabulary (word, lexeme, docs)
SELECT w, (ts_lexize('english_stem', w))[1], count(*)
FROM products p, claro_search_words(p.title, p.tags, p.description) w
WHERE p.visibility = 'public' AND p.deleted_at IS NULL
GROUP BY w;
