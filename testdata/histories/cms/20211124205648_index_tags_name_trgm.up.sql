CREATE INDEX CONCURRENTLY tags_name_trgm_idx ON tags USING gist (name gist_trgm_ops);
