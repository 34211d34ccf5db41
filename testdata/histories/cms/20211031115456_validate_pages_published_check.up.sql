ALTER TABLE pages VALIDATE CONSTRAINT pages_published_has_date;
