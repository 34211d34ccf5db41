-- 200 was not enough for some integrations
ALTER TABLE webhook_endpoints ALTER COLUMN description TYPE text;
