CREATE INDEX CONCURRENTLY entries_search_text_idx ON entries USING gin (search_text);
