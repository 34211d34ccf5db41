-- guard serve's state: targets, the versions of their schemas and the
-- events between them. Everything lives in the guard_serve schema.
CREATE SCHEMA IF NOT EXISTS guard_serve;

CREATE TABLE guard_serve.targets (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    -- the database URL, sealed with AES-256-GCM (nonce || ciphertext)
    url_sealed       bytea NOT NULL,
    -- host and database only, for display; never the password
    url_display      text NOT NULL,
    schemas          text[] NOT NULL DEFAULT '{public}',
    tables           text[] NOT NULL DEFAULT '{}',
    interval_seconds integer NOT NULL CHECK (interval_seconds BETWEEN 1 AND 86400),
    contract         jsonb,
    contract_path    text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    next_check_at    timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_until      timestamptz,
    checks           bigint NOT NULL DEFAULT 0,
    last_check_at    timestamptz,
    last_success_at  timestamptz,
    last_duration_ms bigint,
    last_error       text,
    CHECK (contract IS NULL OR contract_path IS NULL)
);

CREATE INDEX targets_due ON guard_serve.targets (next_check_at);

CREATE TABLE guard_serve.versions (
    target_id  bigint NOT NULL REFERENCES guard_serve.targets (id) ON DELETE CASCADE,
    number     integer NOT NULL,
    hash       text NOT NULL,
    doc        jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_id, number)
);

CREATE TABLE guard_serve.events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id    bigint NOT NULL REFERENCES guard_serve.targets (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('drift', 'target_unreachable')),
    from_version integer,
    to_version   integer,
    impact       text,
    changes      jsonb NOT NULL DEFAULT '[]',
    verdict      jsonb,
    error        text,
    duration_ms  bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_target ON guard_serve.events (target_id, id);
