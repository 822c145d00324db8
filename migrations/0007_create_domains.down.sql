DROP TABLE IF EXISTS certmagic_data;
DROP TABLE IF EXISTS domain_names;
DROP TABLE IF EXISTS domains;
