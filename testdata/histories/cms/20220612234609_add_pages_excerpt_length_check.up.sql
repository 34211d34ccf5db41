ALTER TABLE pages ADD CONSTRAINT pages_excerpt_length CHECK (char_length(excerpt) <= 500);
