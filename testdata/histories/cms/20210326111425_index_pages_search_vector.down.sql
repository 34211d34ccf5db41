DROP INDEX CONCURRENTLY IF EXISTS pages_search_vector_idx;
