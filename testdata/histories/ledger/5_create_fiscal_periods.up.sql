CREATE TABLE fiscal_periods (
    id          bigserial PRIMARY KEY,
    entity_id   bigint NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    name        text NOT NULL,
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    closed_at   timestamptz,
    CONSTRAINT fiscal_periods_dates_check CHECK (ends_on >= starts_on),
    -- periods of one entity never overlap
    CONSTRAINT fiscal_periods_no_overlap EXCLUDE USING gist (
        entity_id WITH =,
        daterange(starts_on, ends_on, '[]') WITH &&
    )
);
