ALTER TABLE pages ADD COLUMN search_vector tsvector;
