-- soft delete: orgs are purged 30 days after deletion by a job
ALTER TABLE organizations ADD COLUMN deleted_at timestamptz;
