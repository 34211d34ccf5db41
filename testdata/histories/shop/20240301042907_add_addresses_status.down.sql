ALTER TABLE addresses DROP COLUMN status;
