ALTER TABLE returns ADD COLUMN status text NOT NULL DEFAULT 'open';
