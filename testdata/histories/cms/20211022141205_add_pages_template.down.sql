ALTER TABLE pages DROP COLUMN template;
