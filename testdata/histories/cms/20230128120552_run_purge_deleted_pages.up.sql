-- one-off: empty the trash accumulated before the job existed
CALL purge_deleted_pages(interval '90 days');
