-- Pages imported from the old CMS were published without a date.
UPDATE pages SET published_at = created_at
 WHERE status = 'published' AND published_at IS NULL;
