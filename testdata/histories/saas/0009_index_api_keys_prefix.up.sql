CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS api_keys_prefix_idx ON api_keys (prefix);
