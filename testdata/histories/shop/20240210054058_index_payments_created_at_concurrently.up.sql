CREATE INDEX CONCURRENTLY payments_created_at_idx ON payments (created_at);
