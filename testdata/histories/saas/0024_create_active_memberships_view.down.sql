DROP VIEW IF EXISTS active_memberships;
