CREATE TABLE audit_trail (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint,
    user_id     bigint,
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    action      text NOT NULL,
    changes     jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_trail_entity_idx ON audit_trail (entity, entity_id);
CREATE INDEX audit_trail_created_at_brin ON audit_trail USING brin (created_at);
