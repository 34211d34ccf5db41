CREATE TABLE sites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    domain      citext NOT NULL,
    settings    jsonb NOT NULL DEFAULT '{"theme": "default", "locale": "en", "comments": true}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sites_domain_key UNIQUE (domain)
);

CREATE TRIGGER sites_touch_updated_at BEFORE UPDATE ON sites
    FOR EACH ROW EXECUTE PROCEDURE touch_updated_at();
