CREATE VIEW active_users AS
SELECT id, email, name, last_seen_at FROM users WHERE disabled_at IS NULL;
