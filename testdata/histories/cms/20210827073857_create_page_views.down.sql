DROP TABLE page_views_daily;
