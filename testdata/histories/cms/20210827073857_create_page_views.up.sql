CREATE TABLE page_views_daily (
    page_id  bigint NOT NULL REFERENCES pages ON DELETE CASCADE,
    day      date NOT NULL,
    views    integer NOT NULL DEFAULT 0,
    visitors integer NOT NULL DEFAULT 0,
    PRIMARY KEY (page_id, day),
    CHECK (visitors <= views)
);
