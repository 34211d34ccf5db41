CREATE TABLE media (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id       bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    uploaded_by   bigint REFERENCES users ON DELETE SET NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    byte_size     bigint NOT NULL CHECK (byte_size > 0),
    storage_key   text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_site_id_created_at_idx ON media (site_id, created_at DESC);
