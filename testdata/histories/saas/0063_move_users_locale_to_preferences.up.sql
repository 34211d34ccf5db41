BEGIN;

ALTER TABLE user_preferences ADD COLUMN locale text NOT NULL DEFAULT 'en';

INSERT INTO user_preferences (user_id, locale)
SELECT id, locale FROM users
ON CONFLICT (user_id) DO UPDATE SET locale = EXCLUDED.locale;

COMMIT;
