INSERT INTO feature_flags (key, description) VALUES
  ('sso', 'SAML single sign-on'),
  ('audit_export', 'CSV export of the audit log'),
  ('new_billing_page', 'Redesigned billing settings')
ON CONFLICT (key) DO NOTHING;
