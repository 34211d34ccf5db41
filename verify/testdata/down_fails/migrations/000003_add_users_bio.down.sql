ALTER TABLE users DROP COLUMN biography;
