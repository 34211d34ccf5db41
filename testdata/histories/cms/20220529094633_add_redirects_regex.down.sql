ALTER TABLE redirects DROP COLUMN is_regex;
