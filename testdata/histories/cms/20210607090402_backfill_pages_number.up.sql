UPDATE pages SET number = nextval('page_number_seq')
 WHERE id IN (SELECT id FROM pages WHERE number IS NULL ORDER BY id LIMIT 10000);
