BEGIN;
ALTER TABLE user_preferences DROP COLUMN locale;
COMMIT;
