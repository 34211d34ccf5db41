ALTER TABLE newsletters ADD COLUMN status text NOT NULL DEFAULT 'open';
