ALTER TABLE products ADD COLUMN name text;
UPDATE products SET name = title WHERE name IS NULL;
