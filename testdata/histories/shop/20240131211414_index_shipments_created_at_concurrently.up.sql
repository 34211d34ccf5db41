CREATE INDEX CONCURRENTLY shipments_created_at_idx ON shipments (created_at);
