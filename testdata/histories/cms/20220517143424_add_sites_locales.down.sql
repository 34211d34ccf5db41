ALTER TABLE sites ALTER COLUMN settings
    SET DEFAULT '{"theme": "default", "locale": "en", "comments": true}'::jsonb;
UPDATE sites SET settings = settings - 'locales';
