-- Webhook endpoints and the durable outbox of their deliveries.
CREATE TABLE guard_serve.webhooks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL: every target's events
    target_id       bigint REFERENCES guard_serve.targets (id) ON DELETE CASCADE,
    url             text NOT NULL,
    events          text[] NOT NULL,
    secret_sealed   bytea NOT NULL,
    previous_sealed bytea,
    previous_until  timestamptz,
    allow_private   boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz,
    disabled_reason text
);

CREATE TABLE guard_serve.deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      bigint NOT NULL REFERENCES guard_serve.webhooks (id) ON DELETE CASCADE,
    event_id        bigint NOT NULL REFERENCES guard_serve.events (id) ON DELETE CASCADE,
    msg_id          text NOT NULL UNIQUE,
    body            bytea NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'disabled')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_owner     text,
    lease_until     timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

CREATE INDEX deliveries_due ON guard_serve.deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON guard_serve.deliveries (webhook_id, id);

CREATE TABLE guard_serve.delivery_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES guard_serve.deliveries (id) ON DELETE CASCADE,
    n           integer NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    replica     text NOT NULL,
    status_code integer,
    error       text,
    duration_ms bigint NOT NULL
);

CREATE INDEX delivery_attempts_delivery ON guard_serve.delivery_attempts (delivery_id, id);
