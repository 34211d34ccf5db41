DROP INDEX CONCURRENTLY pages_number_key;
