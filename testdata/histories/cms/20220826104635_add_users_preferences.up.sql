ALTER TABLE users ADD COLUMN preferences jsonb NOT NULL DEFAULT '{"editor": "blocks", "notifications": {"comments": true, "mentions": true}}';
