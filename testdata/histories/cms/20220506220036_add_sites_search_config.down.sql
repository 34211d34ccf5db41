ALTER TABLE sites DROP COLUMN search_config;
