CREATE VIEW media_usage AS
SELECT m.id AS media_id, m.site_id, 'page_featured'::text AS used_as, p.id AS page_id
  FROM media m JOIN pages p ON p.featured_media_id = m.id
UNION ALL
SELECT m.id, m.site_id, 'block', b.page_id
  FROM media m JOIN page_blocks b ON b.kind = 'image' AND b.data ->> 'media_id' = m.id::text;
