DROP TABLE IF EXISTS receipts_outbox;
