ALTER TABLE carts ADD COLUMN status text NOT NULL DEFAULT 'open';
