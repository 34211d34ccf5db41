ALTER TABLE warehouses DROP COLUMN status;
