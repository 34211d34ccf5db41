DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shop_readonly') THEN
        RAISE NOTICE 'role shop_readonly does not exist: grants skipped';
    ELSE
        EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO shop_readonly';
    END IF;
END;
$$;
