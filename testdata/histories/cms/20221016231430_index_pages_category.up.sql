CREATE INDEX CONCURRENTLY pages_category_id_idx ON pages (category_id);
