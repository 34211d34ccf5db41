DROP FUNCTION search_pages(bigint, text, integer);
