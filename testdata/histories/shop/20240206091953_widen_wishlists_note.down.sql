COMMENT ON COLUMN wishlists.note IS NULL;
