DELETE FROM feature_flags WHERE key IN ('sso', 'audit_export', 'new_billing_page');
