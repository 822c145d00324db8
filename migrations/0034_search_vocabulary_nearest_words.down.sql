CREATE INDEX search_vocabulary_word_trgm_idx ON search_vocabulary USING gin (word gin_trgm_ops);
DROP INDEX search_vocabulary_word_gist_idx;
