CREATE TABLE search_queries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    query       text NOT NULL,
    results     integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_queries_site_created_brin ON search_queries USING brin (site_id, created_at);
