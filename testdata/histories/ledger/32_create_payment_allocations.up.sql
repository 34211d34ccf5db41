CREATE TABLE payment_allocations (
    payment_id  bigint NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    invoice_id  bigint NOT NULL REFERENCES invoices (id) ON DELETE RESTRICT,
    amount      numeric(19, 4) NOT NULL CHECK (amount > 0),
    PRIMARY KEY (payment_id, invoice_id)
);
CREATE INDEX payment_allocations_invoice_id_idx ON payment_allocations (invoice_id);

-- a payment cannot be allocated beyond its amount
CREATE FUNCTION check_payment_allocation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT sum(amount) FROM payment_allocations WHERE payment_id = NEW.payment_id)
       > (SELECT amount FROM payments WHERE id = NEW.payment_id) THEN
        RAISE EXCEPTION 'payment % is over-allocated', NEW.payment_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER payment_allocations_within_amount
    AFTER INSERT OR UPDATE ON payment_allocations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_payment_allocation();
