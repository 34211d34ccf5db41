DROP INDEX users_name;
ALTER TABLE users DROP COLUMN bio;
