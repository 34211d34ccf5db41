ALTER TABLE users ADD COLUMN disabled_at timestamptz;
