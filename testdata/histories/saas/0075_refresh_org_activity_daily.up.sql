-- first population; the scheduler refreshes it concurrently from now on
REFRESH MATERIALIZED VIEW org_activity_daily;
