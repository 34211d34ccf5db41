CREATE TABLE redirects (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id      bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    from_path    text NOT NULL,
    to_path      text NOT NULL,
    status_code  smallint NOT NULL DEFAULT 301,
    hits         bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT redirects_site_from_key UNIQUE (site_id, from_path),
    CONSTRAINT redirects_status_code_check CHECK (status_code IN (301, 302, 307, 308)),
    CONSTRAINT redirects_no_loop CHECK (from_path <> to_path)
);
