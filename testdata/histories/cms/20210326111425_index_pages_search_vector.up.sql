CREATE INDEX CONCURRENTLY IF NOT EXISTS pages_search_vector_idx ON pages USING gin (search_vector);
