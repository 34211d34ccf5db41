CREATE TYPE subscription_status AS ENUM ('trialing', 'active', 'past_due', 'canceled');

CREATE TABLE subscriptions (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id                uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  plan_code             text NOT NULL REFERENCES plans (code),
  status                subscription_status NOT NULL DEFAULT 'trialing',
  current_period_start  timestamptz NOT NULL DEFAULT now(),
  current_period_end    timestamptz NOT NULL DEFAULT now() + interval '14 days',
  canceled_at           timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT subscriptions_period_check CHECK (current_period_end > current_period_start)
);

-- at most one live subscription per org
CREATE UNIQUE INDEX subscriptions_one_live_per_org
  ON subscriptions (org_id)
  WHERE status <> 'canceled';

CREATE TRIGGER set_updated_at
  BEFORE UPDATE ON subscriptions
  FOR EACH ROW
  EXECUTE FUNCTION trigger_set_updated_at();
