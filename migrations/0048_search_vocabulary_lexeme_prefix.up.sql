-- Whether a query's last word, searched as a prefix, can match more than its
-- own stem: a known stem that begins with it and is not it. A range of this
-- index (~>=~ and ~<~, byte order); when there is none, the word is searched
-- whole, the same matches without the full-text index's partial-match scan.
CREATE INDEX search_vocabulary_lexeme_prefix_idx ON search_vocabulary (lexeme text_pattern_ops);
