-- Metered billing: one row per org, metric and hour.
CREATE TABLE usage_records (
  org_id       uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  metric       text NOT NULL,
  period_start timestamptz NOT NULL,
  quantity     bigint NOT NULL DEFAULT 0 CHECK (quantity >= 0),
  PRIMARY KEY (org_id, metric, period_start),
  CONSTRAINT usage_records_metric_check CHECK (metric IN ('api_calls', 'seats', 'storage_gb'))
);
