BEGIN;
DROP INDEX pages_site_slug_key;
CREATE UNIQUE INDEX pages_site_slug_key ON pages (site_id, lower(slug));
COMMIT;
