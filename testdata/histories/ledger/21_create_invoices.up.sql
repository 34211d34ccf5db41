CREATE TABLE invoices (
    id           bigserial PRIMARY KEY,
    entity_id    bigint NOT NULL REFERENCES entities (id) ON DELETE RESTRICT,
    customer_id  bigint NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    number       text NOT NULL,
    issue_date   date NOT NULL DEFAULT current_date,
    due_date     date NOT NULL,
    currency     char(3) NOT NULL REFERENCES currencies (code),
    total        numeric(19, 4) NOT NULL DEFAULT 0 CHECK (total >= 0),
    status       text NOT NULL DEFAULT 'draft',
    entry_id     bigint REFERENCES journal_entries (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoices_entity_number_key UNIQUE (entity_id, number),
    CONSTRAINT invoices_due_after_issue CHECK (due_date >= issue_date),
    CONSTRAINT invoices_status_check CHECK (status IN ('draft', 'issued', 'paid', 'void'))
);
