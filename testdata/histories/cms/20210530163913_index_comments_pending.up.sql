CREATE INDEX CONCURRENTLY comments_pending_idx ON comments (created_at) WHERE status = 'pending';
