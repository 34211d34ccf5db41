DROP VIEW live_pages;
