-- id of the page in the system it was imported from
ALTER TABLE pages ADD COLUMN legacy_id text;
CREATE INDEX pages_legacy_id_idx ON pages (site_id, legacy_id) WHERE legacy_id IS NOT NULL;
