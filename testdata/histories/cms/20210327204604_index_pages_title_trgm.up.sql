CREATE INDEX CONCURRENTLY pages_title_trgm_idx ON pages USING gin (title gin_trgm_ops);
