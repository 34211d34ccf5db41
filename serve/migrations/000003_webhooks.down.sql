DROP TABLE guard_serve.delivery_attempts;
DROP TABLE guard_serve.deliveries;
DROP TABLE guard_serve.webhooks;
