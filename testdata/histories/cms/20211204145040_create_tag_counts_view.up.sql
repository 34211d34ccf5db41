CREATE VIEW tag_counts AS
SELECT t.id AS tag_id, t.site_id, t.name, t.slug, count(pt.page_id) AS pages
  FROM tags t
  LEFT JOIN page_tags pt ON pt.tag_id = t.id
  LEFT JOIN pages p ON p.id = pt.page_id AND p.deleted_at IS NULL
 GROUP BY t.id, t.site_id, t.name, t.slug;
