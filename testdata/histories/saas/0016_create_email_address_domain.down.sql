DROP DOMAIN IF EXISTS email_address;
