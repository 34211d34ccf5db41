CREATE TABLE accounts (
    id          bigserial PRIMARY KEY,
    entity_id   bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    parent_id   bigint REFERENCES accounts (id),
    code        varchar(20) NOT NULL,
    name        text NOT NULL,
    type        text NOT NULL,
    currency    char(3) REFERENCES currencies (code),
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_entity_code_key UNIQUE (entity_id, code),
    CONSTRAINT accounts_type_check CHECK (type IN ('asset', 'liability', 'equity', 'revenue', 'expense'))
);
CREATE INDEX accounts_parent_id_idx ON accounts (parent_id);
