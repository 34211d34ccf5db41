DROP INDEX CONCURRENTLY entries_data_idx;
