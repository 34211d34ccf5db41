CREATE TABLE import_jobs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id      bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    source       text NOT NULL CHECK (source IN ('wordpress', 'ghost', 'markdown', 'csv')),
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    stats        jsonb NOT NULL DEFAULT '{"pages": 0, "media": 0, "errors": 0}',
    error        text,
    created_by   bigint REFERENCES users ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
