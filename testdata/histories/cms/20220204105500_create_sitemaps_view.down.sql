DROP VIEW sitemap_entries;
