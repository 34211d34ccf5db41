ALTER TABLE sites ADD COLUMN deleted_at timestamptz;
