DROP TABLE IF EXISTS subscriptions;
DROP TYPE IF EXISTS subscription_status;
