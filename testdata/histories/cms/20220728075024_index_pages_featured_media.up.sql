CREATE INDEX CONCURRENTLY pages_featured_media_id_idx ON pages (featured_media_id) WHERE featured_media_id IS NOT NULL;
