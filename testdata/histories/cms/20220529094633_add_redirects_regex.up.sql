ALTER TABLE redirects ADD COLUMN is_regex boolean NOT NULL DEFAULT false;
