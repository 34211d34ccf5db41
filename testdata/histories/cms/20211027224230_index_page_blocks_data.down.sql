DROP INDEX CONCURRENTLY page_blocks_data_idx;
