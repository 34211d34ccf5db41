ALTER TABLE redirects DROP CONSTRAINT redirects_from_path_length;
