CREATE INDEX CONCURRENTLY comments_page_approved_idx ON comments (page_id, created_at) WHERE status = 'approved' AND deleted_at IS NULL;
