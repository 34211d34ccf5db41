ALTER TABLE users DROP COLUMN avatar_media_id;
