CREATE MATERIALIZED VIEW popular_pages AS
SELECT v.page_id, p.site_id, sum(v.views) AS views_30d
  FROM page_views_daily v
  JOIN pages p ON p.id = v.page_id
 WHERE v.day > current_date - 30
 GROUP BY v.page_id, p.site_id;

CREATE UNIQUE INDEX popular_pages_page_id_idx ON popular_pages (page_id);
CREATE INDEX popular_pages_site_views_idx ON popular_pages (site_id, views_30d DESC);
