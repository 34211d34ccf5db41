ALTER TABLE users ADD COLUMN bio text;

-- Build the index without locking writes.
CREATE INDEX CONCURRENTLY users_name ON users (name);
