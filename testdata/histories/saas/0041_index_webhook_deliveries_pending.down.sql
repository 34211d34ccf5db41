DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_pending_idx;
