ALTER TABLE tags ALTER COLUMN slug SET NOT NULL;
CREATE UNIQUE INDEX tags_site_slug_key ON tags (site_id, slug);
