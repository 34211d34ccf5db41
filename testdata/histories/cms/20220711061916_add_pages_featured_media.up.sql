ALTER TABLE pages ADD COLUMN featured_media_id uuid REFERENCES media (id) ON DELETE SET NULL;
