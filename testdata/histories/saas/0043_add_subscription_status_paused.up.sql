ALTER TYPE subscription_status ADD VALUE IF NOT EXISTS 'paused';
