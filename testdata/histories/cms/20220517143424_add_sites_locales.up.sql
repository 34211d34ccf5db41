UPDATE sites SET settings = settings || '{"locales": ["en"]}'::jsonb
 WHERE NOT settings ? 'locales';
ALTER TABLE sites ALTER COLUMN settings
    SET DEFAULT '{"theme": "default", "locale": "en", "locales": ["en"], "comments": true}'::jsonb;
