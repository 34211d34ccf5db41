ALTER TABLE page_revisions ADD COLUMN blocks jsonb;
