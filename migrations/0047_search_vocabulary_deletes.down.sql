DROP INDEX search_vocabulary_word_prefix_idx;
CREATE INDEX search_vocabulary_word_gist_idx ON search_vocabulary USING gist (word gist_trgm_ops);
DROP TRIGGER search_vocabulary_deletes_insert ON search_vocabulary;
DROP FUNCTION search_vocabulary_deletes_added();
DROP TABLE search_vocabulary_deletes;
DROP FUNCTION claro_word_deletes(text);
