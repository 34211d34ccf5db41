DROP VIEW IF EXISTS org_members_summary;
