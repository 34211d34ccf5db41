CREATE TABLE payment_methods (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  provider      text NOT NULL DEFAULT 'stripe',
  provider_ref  text NOT NULL,
  brand         text,
  last4         char(4),
  exp_month     smallint CHECK (exp_month BETWEEN 1 AND 12),
  exp_year      smallint,
  is_default    boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payment_methods_provider_ref_key UNIQUE (provider, provider_ref)
);

CREATE UNIQUE INDEX payment_methods_one_default_per_org
  ON payment_methods (org_id) WHERE is_default;
