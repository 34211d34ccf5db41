CREATE INDEX CONCURRENTLY search_queries_query_trgm_idx ON search_queries USING gin (query gin_trgm_ops);
