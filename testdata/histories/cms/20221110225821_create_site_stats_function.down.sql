DROP FUNCTION site_stats(bigint);
