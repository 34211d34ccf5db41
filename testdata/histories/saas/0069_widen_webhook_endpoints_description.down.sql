ALTER TABLE webhook_endpoints ALTER COLUMN description TYPE varchar(200);
