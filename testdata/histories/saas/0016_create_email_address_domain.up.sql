-- Loose on purpose: real validation is a confirmation email.
CREATE DOMAIN email_address AS citext
  CHECK (VALUE ~ '^[^@[:space:]]+@[^@[:space:]]+$');
