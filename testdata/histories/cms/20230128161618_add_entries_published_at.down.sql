ALTER TABLE entries DROP COLUMN published_at;
