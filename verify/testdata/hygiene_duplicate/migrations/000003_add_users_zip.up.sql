ALTER TABLE users ADD COLUMN zip text;
