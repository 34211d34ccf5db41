DROP TRIGGER IF EXISTS enforce_seat_limit ON memberships;
DROP FUNCTION IF EXISTS enforce_seat_limit();
