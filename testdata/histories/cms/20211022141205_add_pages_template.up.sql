ALTER TABLE pages ADD COLUMN template text NOT NULL DEFAULT 'default';
