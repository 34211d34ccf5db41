CREATE INDEX CONCURRENTLY IF NOT EXISTS pages_site_published_idx ON pages (site_id, published_at DESC) WHERE status = 'published' AND deleted_at IS NULL;
