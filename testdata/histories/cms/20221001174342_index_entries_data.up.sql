CREATE INDEX CONCURRENTLY entries_data_idx ON entries USING gin (data);
