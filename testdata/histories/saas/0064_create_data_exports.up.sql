CREATE TYPE export_status AS ENUM ('queued', 'running', 'done', 'failed');

CREATE TABLE data_exports (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  requested_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  status        export_status NOT NULL DEFAULT 'queued',
  file_path     text,
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  CONSTRAINT data_exports_finished_check CHECK (
    (status IN ('done', 'failed')) = (finished_at IS NOT NULL)
  )
);
