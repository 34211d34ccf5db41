CREATE VIEW org_members_summary AS
SELECT o.id AS org_id,
       o.display_name,
       count(m.user_id)                                   AS members,
       count(m.user_id) FILTER (WHERE m.role = 'owner')   AS owners,
       count(m.user_id) FILTER (WHERE m.role = 'billing') AS billing_managers
  FROM organizations o
  LEFT JOIN memberships m ON m.org_id = o.id
 WHERE o.deleted_at IS NULL
 GROUP BY o.id, o.display_name;

GRANT SELECT ON org_members_summary TO PUBLIC;
