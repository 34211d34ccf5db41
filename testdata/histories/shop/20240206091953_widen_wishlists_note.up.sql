-- notes were varchar(200) in the first design; keep text
ALTER TABLE wishlists ALTER COLUMN note TYPE text;
COMMENT ON COLUMN wishlists.note IS 'free text from the back office';
