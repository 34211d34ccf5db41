CREATE TABLE api_tokens (
    token_hash bytea PRIMARY KEY DEFAULT digest(gen_random_bytes(32), 'sha256'),
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
