SELECT 1; -- data backfill, nothing to revert
