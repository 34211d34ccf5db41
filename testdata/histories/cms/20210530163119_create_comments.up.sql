CREATE TABLE comments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    page_id       bigint NOT NULL REFERENCES pages ON DELETE CASCADE,
    parent_id     bigint REFERENCES comments ON DELETE CASCADE,
    author_name   text NOT NULL,
    author_email  citext,
    body          text NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'spam')),
    ip            inet,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_page_id_idx ON comments (page_id);
