ALTER TABLE page_revisions DROP COLUMN blocks;
