CREATE TABLE page_revisions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    page_id     bigint NOT NULL REFERENCES pages ON DELETE CASCADE,
    revision    integer NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL,
    author_id   bigint REFERENCES users ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (page_id, revision)
);
