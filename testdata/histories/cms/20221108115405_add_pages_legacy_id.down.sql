DROP INDEX pages_legacy_id_idx;
ALTER TABLE pages DROP COLUMN legacy_id;
