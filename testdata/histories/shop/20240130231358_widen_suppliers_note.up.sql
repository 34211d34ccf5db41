-- notes were varchar(200) in the first design; keep text
ALTER TABLE suppliers ALTER COLUMN note TYPE text;
COMMENT ON COLUMN suppliers.note IS 'free text from the back office';
