DROP TABLE site_members;
