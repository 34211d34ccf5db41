ALTER TABLE pages DROP COLUMN search_vector;
