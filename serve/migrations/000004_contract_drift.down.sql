ALTER TABLE guard_serve.targets DROP COLUMN contract_drift, DROP COLUMN contract_blocked;
