-- The drift of each target from its contract, as of its last successful
-- check: the worst impact (none, safe, risky, breaking) and whether its
-- modes block it.
ALTER TABLE guard_serve.targets
    ADD COLUMN contract_drift text CHECK (contract_drift IN ('none', 'safe', 'risky', 'breaking')),
    ADD COLUMN contract_blocked boolean;
