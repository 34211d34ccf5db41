CREATE INDEX CONCURRENTLY addresses_created_at_idx ON addresses (created_at);
