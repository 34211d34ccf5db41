ALTER TABLE api_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{content:read}';
