DROP INDEX CONCURRENTLY IF EXISTS pages_site_published_idx;
