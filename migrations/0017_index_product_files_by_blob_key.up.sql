-- A signed download is checked again against the entitlement when redeemed
-- (library.Store.EntitledToFile), by the file's blob key.
CREATE INDEX product_files_blob_key_idx ON product_files (blob_key);
