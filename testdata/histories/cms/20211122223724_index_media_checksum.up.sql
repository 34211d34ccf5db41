CREATE INDEX CONCURRENTLY media_site_checksum_idx ON media (site_id, checksum) WHERE checksum IS NOT NULL;
