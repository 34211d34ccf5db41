DROP INDEX CONCURRENTLY tags_name_trgm_idx;
