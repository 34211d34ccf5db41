CREATE VIEW site_storage AS
SELECT s.id AS site_id,
       s.storage_quota_bytes,
       coalesce(sum(m.byte_size), 0) AS used_bytes
  FROM sites s
  LEFT JOIN media m ON m.site_id = s.id AND m.deleted_at IS NULL
 GROUP BY s.id, s.storage_quota_bytes;
