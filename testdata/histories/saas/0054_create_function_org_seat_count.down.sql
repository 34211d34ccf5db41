DROP FUNCTION IF EXISTS org_seat_count(uuid);
