-- back to WITH NO DATA
DROP MATERIALIZED VIEW org_activity_daily;
CREATE MATERIALIZED VIEW org_activity_daily AS
SELECT org_id,
       date_trunc('day', occurred_at)::date AS day,
       count(*)                            AS events,
       count(DISTINCT actor_id)            AS actors
  FROM audit_events
 WHERE org_id IS NOT NULL
 GROUP BY org_id, date_trunc('day', occurred_at)::date
WITH NO DATA;
CREATE UNIQUE INDEX org_activity_daily_org_day_idx ON org_activity_daily (org_id, day);
