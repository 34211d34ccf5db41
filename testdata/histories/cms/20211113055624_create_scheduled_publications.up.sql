CREATE TABLE scheduled_publications (
    page_id     bigint PRIMARY KEY REFERENCES pages ON DELETE CASCADE,
    publish_at  timestamptz NOT NULL,
    created_by  bigint REFERENCES users ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scheduled_publications_publish_at_idx ON scheduled_publications (publish_at);
