CREATE OR REPLACE FUNCTION org_seat_count(p_org_id uuid)
RETURNS integer
LANGUAGE sql
STABLE
AS $$
  SELECT count(*)::integer FROM memberships WHERE org_id = p_org_id;
$$;
