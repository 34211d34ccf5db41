CREATE INDEX CONCURRENTLY page_blocks_data_idx ON page_blocks USING gin (data jsonb_path_ops);
