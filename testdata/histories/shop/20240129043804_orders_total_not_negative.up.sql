ALTER TABLE orders ADD CONSTRAINT orders_total_cents_check CHECK (total_cents >= 0) NOT VALID;
