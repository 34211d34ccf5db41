ALTER TABLE api_tokens DROP COLUMN site_id;
