CREATE TABLE categories (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    parent_id   bigint REFERENCES categories ON DELETE RESTRICT,
    name        text NOT NULL,
    slug        text NOT NULL,
    position    integer NOT NULL DEFAULT 0,
    CONSTRAINT categories_site_slug_key UNIQUE (site_id, slug),
    CONSTRAINT categories_not_own_parent CHECK (parent_id IS DISTINCT FROM id)
);

ALTER TABLE pages ADD COLUMN category_id bigint REFERENCES categories ON DELETE SET NULL;
