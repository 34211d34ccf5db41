ALTER TABLE users ADD COLUMN bio text;
CREATE SCHEMA IF NOT EXISTS util;
CREATE FUNCTION util.user_bio(u users) RETURNS text LANGUAGE sql AS $$ SELECT u.bio $$;
