ALTER TABLE pages DROP COLUMN category_id;
DROP TABLE categories;
