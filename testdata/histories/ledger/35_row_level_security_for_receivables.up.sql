ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;

CREATE POLICY customers_entity_isolation ON customers
    USING (entity_id = nullif(current_setting('app.entity_id', true), '')::bigint);
CREATE POLICY invoices_entity_isolation ON invoices
    USING (entity_id = nullif(current_setting('app.entity_id', true), '')::bigint);
CREATE POLICY payments_entity_isolation ON payments
    USING (entity_id = nullif(current_setting('app.entity_id', true), '')::bigint);

-- auditors may read every entity, never write
CREATE POLICY invoices_auditor_read ON invoices
    FOR SELECT
    USING (current_setting('app.role', true) = 'auditor');
