CREATE TABLE entry_revisions (
    entry_id    bigint NOT NULL REFERENCES entries ON DELETE CASCADE,
    revision    integer NOT NULL,
    data        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entry_id, revision)
);
