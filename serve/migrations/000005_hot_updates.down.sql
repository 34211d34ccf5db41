ALTER TABLE guard_serve.targets RESET (fillfactor);
CREATE INDEX targets_due ON guard_serve.targets (next_check_at);
