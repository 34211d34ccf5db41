ALTER TABLE users ADD COLUMN bio text;
CREATE FUNCTION user_bio(u users) RETURNS text LANGUAGE sql AS $$ SELECT u.bio $$;
