CREATE TABLE invoices (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
  subscription_id  uuid REFERENCES subscriptions (id) ON DELETE SET NULL,
  number           text NOT NULL,
  currency         char(3) NOT NULL DEFAULT 'USD',
  amount_due       numeric(12, 2) NOT NULL DEFAULT 0,
  amount_paid      numeric(12, 2) NOT NULL DEFAULT 0,
  status           text NOT NULL DEFAULT 'draft',
  issued_at        timestamptz,
  due_at           timestamptz,
  paid_at          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT invoices_org_number_key UNIQUE (org_id, number),
  CONSTRAINT invoices_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
  CONSTRAINT invoices_status_check CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible'))
);
