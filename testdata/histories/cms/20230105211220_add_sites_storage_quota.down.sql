ALTER TABLE sites DROP COLUMN storage_quota_bytes;
