ALTER TABLE pages ADD CONSTRAINT pages_meta_is_object CHECK (jsonb_typeof(meta) = 'object');
