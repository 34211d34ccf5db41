BEGIN;
-- a deleted page must not block its slug
DROP INDEX pages_site_slug_key;
CREATE UNIQUE INDEX pages_site_slug_key ON pages (site_id, lower(slug)) WHERE deleted_at IS NULL;
COMMIT;
