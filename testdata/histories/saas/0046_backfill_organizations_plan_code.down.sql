UPDATE organizations SET plan_code = NULL;
