CREATE TABLE notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    kind        text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}',
    seen_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
