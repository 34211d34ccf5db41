ALTER TABLE pages DROP CONSTRAINT pages_excerpt_length;
