ALTER TABLE pages ADD COLUMN meta jsonb NOT NULL DEFAULT '{}'::jsonb;
COMMENT ON COLUMN pages.meta IS 'SEO and social fields: description, og_image, canonical_url, noindex';
