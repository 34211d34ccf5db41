ALTER TABLE entries ADD COLUMN published_at timestamptz;
UPDATE entries SET published_at = updated_at WHERE status = 'published' AND published_at IS NULL;
