ALTER TABLE media DROP COLUMN checksum;
