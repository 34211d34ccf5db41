DROP INDEX CONCURRENTLY IF EXISTS notifications_user_unread_idx;
