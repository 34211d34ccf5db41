CREATE TABLE tax_codes (
    id          bigserial PRIMARY KEY,
    entity_id   bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    code        text NOT NULL,
    rate        numeric(7, 4) NOT NULL CHECK (rate >= 0 AND rate < 100),
    valid       daterange NOT NULL DEFAULT daterange(current_date, NULL),
    payable_account_id bigint REFERENCES accounts (id),
    CONSTRAINT tax_codes_no_overlap EXCLUDE USING gist (entity_id WITH =, code WITH =, valid WITH &&)
);

ALTER TABLE tax_codes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tax_codes_entity_isolation ON tax_codes
    USING (entity_id = nullif(current_setting('app.entity_id', true), '')::bigint);
