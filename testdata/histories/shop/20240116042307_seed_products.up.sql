INSERT INTO products (sku, title, price_cents) VALUES
    ('TEE-BLK-M', 'T-shirt, black, M', 1900),
    ('TEE-BLK-L', 'T-shirt, black, L', 1900),
    ('MUG-WHT', 'Mug, white', 1200)
ON CONFLICT (sku) DO NOTHING;
