-- Public page numbers (/p/123456) for short links; kept apart from the
-- identity so that imports can keep their old numbers.
CREATE SEQUENCE IF NOT EXISTS page_number_seq START WITH 100000 INCREMENT BY 1 CACHE 20;

ALTER TABLE pages ADD COLUMN number bigint DEFAULT nextval('page_number_seq');
ALTER SEQUENCE page_number_seq OWNED BY pages.number;
