ALTER TABLE price_lists ADD COLUMN status text NOT NULL DEFAULT 'open';
