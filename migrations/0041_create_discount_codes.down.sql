DROP TABLE discount_uses;
DROP TABLE discount_code_products;
DROP TABLE discount_codes;
