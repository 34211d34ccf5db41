-- Custom content types ("products", "events"...) defined per site
CREATE TABLE content_types (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    handle      text NOT NULL,
    name        text NOT NULL,
    fields      jsonb NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, handle)
);

CREATE TABLE entries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_type_id bigint NOT NULL REFERENCES content_types ON DELETE CASCADE,
    slug            text NOT NULL,
    data            jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE UNIQUE INDEX entries_type_slug_key ON entries (content_type_id, lower(slug)) WHERE deleted_at IS NULL;

CREATE TRIGGER entries_touch_updated_at BEFORE UPDATE ON entries
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
