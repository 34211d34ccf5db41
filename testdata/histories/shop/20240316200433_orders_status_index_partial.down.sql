DROP INDEX orders_pending_idx;
