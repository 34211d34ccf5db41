CREATE INDEX CONCURRENTLY page_revisions_page_created_idx ON page_revisions (page_id, created_at DESC);
