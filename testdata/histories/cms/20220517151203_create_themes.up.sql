CREATE TABLE themes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handle      text NOT NULL UNIQUE,
    name        text NOT NULL,
    version     text NOT NULL DEFAULT '1.0.0',
    archive_id  uuid REFERENCES media ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO themes (handle, name) VALUES ('default', 'Default'), ('magazine', 'Magazine')
ON CONFLICT (handle) DO NOTHING;
