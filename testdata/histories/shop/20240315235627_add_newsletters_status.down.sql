ALTER TABLE newsletters DROP COLUMN status;
