-- Audit trail, partitioned by month-ish ranges. Old partitions are detached
-- and archived by ops, never by a migration.
CREATE TABLE audit_events (
  id           bigint GENERATED ALWAYS AS IDENTITY,
  org_id       uuid,
  actor_id     uuid,
  table_name   text NOT NULL,
  action       text NOT NULL,
  row_data     jsonb,
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, occurred_at),
  CONSTRAINT audit_events_action_check CHECK (action IN ('INSERT', 'UPDATE', 'DELETE'))
) PARTITION BY RANGE (occurred_at);

CREATE TABLE audit_events_2023 PARTITION OF audit_events
  FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE audit_events_2024 PARTITION OF audit_events
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;

CREATE INDEX audit_events_org_id_occurred_at_idx ON audit_events (org_id, occurred_at);
