-- used by the "inactive users" report; built online, users is big
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_last_login_at_idx ON users (last_login_at);
