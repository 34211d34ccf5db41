-- API keys of the admin API: only a SHA-256 of each key is kept, with a
-- short prefix that identifies it in lists and logs.
CREATE TABLE guard_serve.api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL UNIQUE,
    hash         bytea NOT NULL,
    scope        text NOT NULL CHECK (scope IN ('read', 'admin')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
