ALTER TABLE pages DROP CONSTRAINT IF EXISTS pages_published_has_date;
