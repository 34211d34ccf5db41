-- "someone else is editing this page"
CREATE UNLOGGED TABLE page_locks (
    page_id     bigint PRIMARY KEY REFERENCES pages ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    locked_at   timestamptz NOT NULL DEFAULT now()
);
