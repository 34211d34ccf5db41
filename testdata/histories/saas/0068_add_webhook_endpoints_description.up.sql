ALTER TABLE webhook_endpoints ADD COLUMN IF NOT EXISTS description varchar(200);
