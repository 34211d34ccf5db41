ALTER TABLE pages DROP CONSTRAINT pages_meta_is_object;
