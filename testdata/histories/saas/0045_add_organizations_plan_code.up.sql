-- denormalised for the admin list; kept in sync by the billing worker
alter table organizations add column plan_code text references plans (code);
