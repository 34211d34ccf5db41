CREATE VIEW sitemap_entries AS
SELECT s.id AS site_id,
       'https://' || s.domain || '/' || p.slug AS loc,
       greatest(p.updated_at, p.published_at)  AS lastmod
  FROM pages p
  JOIN sites s ON s.id = p.site_id
 WHERE p.status = 'published'
   AND p.deleted_at IS NULL
   AND s.deleted_at IS NULL
   AND NOT coalesce((p.meta ->> 'noindex')::boolean, false);
