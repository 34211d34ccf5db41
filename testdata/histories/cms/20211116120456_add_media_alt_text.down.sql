ALTER TABLE media DROP COLUMN alt_text;
