DROP TABLE IF EXISTS sales_ledger;
