-- An entity is a set of books: one legal company.
CREATE TABLE entities (
    id                bigserial PRIMARY KEY,
    name              text NOT NULL,
    base_currency     char(3) NOT NULL REFERENCES currencies (code),
    fiscal_year_start smallint NOT NULL DEFAULT 1 CHECK (fiscal_year_start BETWEEN 1 AND 12),
    created_at        timestamptz NOT NULL DEFAULT now()
);
