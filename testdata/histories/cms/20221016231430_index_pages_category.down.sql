DROP INDEX CONCURRENTLY pages_category_id_idx;
