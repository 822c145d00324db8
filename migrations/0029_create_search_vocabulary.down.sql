DROP TRIGGER products_vocabulary_delete ON products;
DROP TRIGGER products_vocabulary_update ON products;
DROP TRIGGER products_vocabulary_insert ON products;
DROP FUNCTION search_vocabulary_products_changed();
DROP FUNCTION claro_search_vocabulary_apply(text[], int[]);
DROP FUNCTION claro_search_words(text, text[], text);
DROP TABLE search_vocabulary;
