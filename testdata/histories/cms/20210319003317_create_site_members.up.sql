CREATE TABLE site_members (
    site_id     bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    role        text NOT NULL DEFAULT 'author',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, user_id),
    CHECK (role IN ('admin', 'editor', 'author', 'viewer'))
);
CREATE INDEX ON site_members (user_id);
