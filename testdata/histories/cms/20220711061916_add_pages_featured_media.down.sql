ALTER TABLE pages DROP COLUMN featured_media_id;
