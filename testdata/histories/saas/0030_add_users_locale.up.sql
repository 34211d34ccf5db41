ALTER TABLE users
  ADD COLUMN locale text NOT NULL DEFAULT 'en',
  ADD CONSTRAINT users_locale_check CHECK (locale ~ '^[a-z]{2}(-[A-Z]{2})?$');
