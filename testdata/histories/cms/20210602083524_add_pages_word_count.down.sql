ALTER TABLE pages DROP COLUMN word_count;
