-- a site may answer on several domains; sites.domain stays the primary one
CREATE TABLE site_domains (
    domain      citext PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites ON DELETE CASCADE,
    is_primary  boolean NOT NULL DEFAULT false,
    verified_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX site_domains_one_primary ON site_domains (site_id) WHERE is_primary;

INSERT INTO site_domains (domain, site_id, is_primary, verified_at)
SELECT domain, id, true, created_at FROM sites
ON CONFLICT (domain) DO NOTHING;
