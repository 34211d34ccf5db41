alter table organizations drop column plan_code;
