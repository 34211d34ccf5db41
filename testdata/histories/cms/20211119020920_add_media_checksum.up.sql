ALTER TABLE media ADD COLUMN checksum bytea;
COMMENT ON COLUMN media.checksum IS 'sha256 of the original upload, for de-duplication';
