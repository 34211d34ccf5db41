ALTER TABLE pages
    ADD CONSTRAINT pages_published_has_date
    CHECK (status <> 'published' OR published_at IS NOT NULL) NOT VALID;
