-- the static-site exporter connects with a role that has only PUBLIC rights
GRANT SELECT ON sitemap_entries TO PUBLIC;
GRANT SELECT ON tag_counts TO PUBLIC;
GRANT EXECUTE ON FUNCTION search_pages(bigint, text, integer) TO PUBLIC;
