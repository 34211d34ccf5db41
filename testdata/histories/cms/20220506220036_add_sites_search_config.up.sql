-- sites in other languages want their own text search configuration
ALTER TABLE sites ADD COLUMN search_config regconfig NOT NULL DEFAULT 'english';
