CREATE TABLE exchange_rates (
    id              bigserial PRIMARY KEY,
    base_currency   char(3) NOT NULL REFERENCES currencies (code),
    quote_currency  char(3) NOT NULL REFERENCES currencies (code),
    rate            numeric(18, 8) NOT NULL CHECK (rate > 0),
    effective       daterange NOT NULL,
    CONSTRAINT exchange_rates_distinct_currencies CHECK (base_currency <> quote_currency),
    CONSTRAINT exchange_rates_no_overlap EXCLUDE USING gist (
        base_currency WITH =,
        quote_currency WITH =,
        effective WITH &&
    )
);
