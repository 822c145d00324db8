-- Typo candidates by symmetric deletes (the SymSpell method) instead of
-- trigram distance: every known word is stored under each string it becomes
-- with one letter deleted (words of 4 letters or more) and two deleted (7 or
-- more), and under itself. A query word within Meilisearch's allowance of
-- k typos (one for 5 to 8 letters, two for 9 and more) shares one of these
-- with its own deletions up to k (search.typoVariants), because each
-- insertion, deletion, substitution or adjacent transposition costs at most
-- one deletion on each side. The candidates are then checked by exact
-- distance in Go, as before. Unlike the 50 nearest words by trigrams (0034),
-- this misses no word within the allowance, and it is btree look-ups: the
-- GiST nearest-word scan it replaces cost tens of milliseconds on a 6,000
-- word vocabulary under load, for a five-letter word.
CREATE TABLE search_vocabulary_deletes (
    variant text NOT NULL,
    word    text NOT NULL REFERENCES search_vocabulary (word) ON DELETE CASCADE,
    PRIMARY KEY (variant, word)
);
CREATE INDEX search_vocabulary_deletes_word_idx ON search_vocabulary_deletes (word);

-- The strings w becomes with one letter deleted (4 letters or more) or two
-- (7 or more), and w itself.
CREATE FUNCTION claro_word_deletes(w text) RETURNS SETOF text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT w
    UNION
    SELECT overlay(w PLACING '' FROM i FOR 1) FROM generate_series(1, char_length(w)) i
    WHERE char_length(w) >= 4
    UNION
    SELECT overlay(overlay(w PLACING '' FROM j FOR 1) PLACING '' FROM i FOR 1)
    FROM generate_series(1, char_length(w)) i, generate_series(i + 1, char_length(w)) j
    WHERE char_length(w) >= 7
$$;

-- A word new to the vocabulary gets its deletes in the same transaction
-- (a word that goes is cascaded). Statement-level: a batch of products
-- brings its new words in one INSERT.
CREATE FUNCTION search_vocabulary_deletes_added() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO search_vocabulary_deletes (variant, word)
    SELECT d, n.word FROM new_words n, claro_word_deletes(n.word) d
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER search_vocabulary_deletes_insert AFTER INSERT ON search_vocabulary
    REFERENCING NEW TABLE AS new_words
    FOR EACH STATEMENT EXECUTE FUNCTION search_vocabulary_deletes_added();

INSERT INTO search_vocabulary_deletes (variant, word)
SELECT d, v.word FROM search_vocabulary v, claro_word_deletes(v.word) d;

-- The trigram index served only the nearest-word look-up; equality now
-- uses the primary key. A query's last word is a prefix: how many products
-- use a word it begins is a range of this index (~>=~ and ~<~, byte order).
DROP INDEX search_vocabulary_word_gist_idx;
CREATE INDEX search_vocabulary_word_prefix_idx ON search_vocabulary (word text_pattern_ops);
