BEGIN;
ALTER TABLE accounts ADD COLUMN first_name text;
ALTER TABLE accounts ADD COLUMN last_name text;
UPDATE accounts SET first_name = split_part(name, ' ', 1), last_name = nullif(split_part(name, ' ', 2), '');
COMMIT;
