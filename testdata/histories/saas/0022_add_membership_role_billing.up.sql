-- billing managers see invoices but cannot manage members
ALTER TYPE membership_role ADD VALUE IF NOT EXISTS 'billing' AFTER 'admin';
