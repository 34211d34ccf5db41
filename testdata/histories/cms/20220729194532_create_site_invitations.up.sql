CREATE TABLE site_invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    email       citext NOT NULL,
    role        text NOT NULL DEFAULT 'author',
    token       uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    invited_by  bigint REFERENCES users ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    CHECK (role IN ('admin', 'editor', 'author', 'viewer'))
);
CREATE UNIQUE INDEX site_invitations_pending_key ON site_invitations (site_id, email) WHERE accepted_at IS NULL;
