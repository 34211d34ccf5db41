ALTER TABLE media
    ADD COLUMN width  integer CHECK (width > 0),
    ADD COLUMN height integer CHECK (height > 0);
