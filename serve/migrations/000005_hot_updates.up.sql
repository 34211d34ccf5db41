-- Every check updates its target's row. Without an index on what a check
-- changes (next_check_at, the lease, the last_* columns) and with room left
-- in each page, those updates are HOT: the row is rewritten in its page and
-- no index grows, so a state of unchanged targets stays the same size. The
-- claim's scan of the targets is cheap without the index (a few thousand
-- rows).
DROP INDEX guard_serve.targets_due;
ALTER TABLE guard_serve.targets SET (fillfactor = 50);
