-- A query's typo candidates are the known words nearest it by trigrams, read
-- in the search's own statement: a GiST index answers "the 50 nearest words"
-- (ORDER BY word <-> typed LIMIT 50) with no similarity threshold to set
-- first, so the lookup needs neither a transaction of its own nor a round
-- trip before the main query. It replaces 0029's GIN index, which only
-- answered the thresholded % operator.
CREATE INDEX search_vocabulary_word_gist_idx ON search_vocabulary USING gist (word gist_trgm_ops);
DROP INDEX search_vocabulary_word_trgm_idx;
