CREATE INDEX CONCURRENTLY notifications_unseen_idx ON notifications (user_id, created_at DESC) WHERE seen_at IS NULL;
