CREATE TYPE post_status AS ENUM ('draft', 'published');

CREATE TABLE posts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id  bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      varchar(200) NOT NULL,
    body       text        NOT NULL DEFAULT '',
    status     post_status NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT posts_title_not_blank CHECK (length(trim(title)) > 0)
);

CREATE INDEX posts_author_id_idx ON posts (author_id);
