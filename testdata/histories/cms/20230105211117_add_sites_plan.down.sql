ALTER TABLE sites DROP CONSTRAINT sites_plan_check;
ALTER TABLE sites DROP COLUMN plan;
