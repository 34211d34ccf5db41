DROP INDEX CONCURRENTLY pages_title_trgm_idx;
