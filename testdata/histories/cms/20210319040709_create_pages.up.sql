CREATE TABLE pages (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id       bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    parent_id     bigint REFERENCES pages ON DELETE SET NULL,
    author_id     bigint REFERENCES users ON DELETE SET NULL,
    title         text NOT NULL,
    slug          text NOT NULL,
    body          text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'draft',
    published_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pages_status_check CHECK (status IN ('draft', 'review', 'published', 'archived')),
    CONSTRAINT pages_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);

CREATE UNIQUE INDEX pages_site_slug_key ON pages (site_id, lower(slug));
CREATE INDEX pages_parent_id_idx ON pages (parent_id);

CREATE TRIGGER pages_touch_updated_at BEFORE UPDATE ON pages
    FOR EACH ROW EXECUTE PROCEDURE touch_updated_at();
