ALTER TABLE sites ADD COLUMN plan text NOT NULL DEFAULT 'free';
ALTER TABLE sites ADD CONSTRAINT sites_plan_check CHECK (plan IN ('free', 'pro', 'agency'));
