DROP TYPE IF EXISTS order_status;
