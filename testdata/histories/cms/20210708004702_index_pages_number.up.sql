CREATE UNIQUE INDEX CONCURRENTLY pages_number_key ON pages (number);
