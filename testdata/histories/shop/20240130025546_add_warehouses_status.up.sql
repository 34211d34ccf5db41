ALTER TABLE warehouses ADD COLUMN status text NOT NULL DEFAULT 'open';
