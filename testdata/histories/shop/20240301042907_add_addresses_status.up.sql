ALTER TABLE addresses ADD COLUMN status text NOT NULL DEFAULT 'open';
