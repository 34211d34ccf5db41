-- notes were varchar(200) in the first design; keep text
ALTER TABLE carriers ALTER COLUMN note TYPE text;
COMMENT ON COLUMN carriers.note IS 'free text from the back office';
