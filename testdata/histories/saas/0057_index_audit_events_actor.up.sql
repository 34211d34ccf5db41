-- on a partitioned table CONCURRENTLY is not supported: plain index, the
-- partitions are small enough
CREATE INDEX IF NOT EXISTS audit_events_actor_id_idx ON audit_events (actor_id, occurred_at);
