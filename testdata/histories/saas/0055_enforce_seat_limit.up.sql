CREATE OR REPLACE FUNCTION enforce_seat_limit()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  seats integer;
BEGIN
  SELECT p.max_seats INTO seats
    FROM organizations o
    JOIN plans p ON p.code = o.plan_code
   WHERE o.id = NEW.org_id;

  IF seats IS NOT NULL AND org_seat_count(NEW.org_id) >= seats THEN
    RAISE EXCEPTION 'organization % has no free seat (limit %)', NEW.org_id, seats
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER enforce_seat_limit
  BEFORE INSERT ON memberships
  FOR EACH ROW EXECUTE FUNCTION enforce_seat_limit();
