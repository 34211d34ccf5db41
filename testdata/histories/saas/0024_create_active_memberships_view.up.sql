CREATE OR REPLACE VIEW active_memberships AS
SELECT m.org_id,
       o.slug       AS org_slug,
       m.user_id,
       u.email,
       m.role,
       m.created_at AS member_since
  FROM memberships m
  JOIN organizations o ON o.id = m.org_id
  JOIN users u ON u.id = m.user_id
 WHERE o.deleted_at IS NULL;
