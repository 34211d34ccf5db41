BEGIN;
ALTER TABLE accounts DROP COLUMN last_name;
ALTER TABLE accounts DROP COLUMN first_name;
COMMIT;
