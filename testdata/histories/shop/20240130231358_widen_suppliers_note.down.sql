COMMENT ON COLUMN suppliers.note IS NULL;
