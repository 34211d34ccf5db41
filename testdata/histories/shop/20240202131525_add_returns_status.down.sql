ALTER TABLE returns DROP COLUMN status;
