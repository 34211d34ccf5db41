CREATE TABLE comments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    bigint      NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id  bigint      REFERENCES users (id) ON DELETE SET NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX comments_post_id_idx ON comments (post_id, created_at);

CREATE VIEW published_posts AS
    SELECT p.id, p.title, u.name AS author, p.created_at
    FROM posts p JOIN users u ON u.id = p.author_id
    WHERE p.status = 'published';
