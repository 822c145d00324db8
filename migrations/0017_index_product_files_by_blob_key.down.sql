DROP INDEX IF EXISTS product_files_blob_key_idx;
