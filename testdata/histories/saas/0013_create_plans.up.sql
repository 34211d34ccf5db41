CREATE TABLE plans (
  code           text PRIMARY KEY,
  name           text NOT NULL,
  monthly_price  numeric(10, 2) NOT NULL CHECK (monthly_price >= 0),
  max_seats      integer CHECK (max_seats IS NULL OR max_seats > 0),
  is_public      boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now()
);

INSERT INTO plans (code, name, monthly_price, max_seats) VALUES
  ('free',     'Free',       0.00,    3),
  ('team',     'Team',      49.00,   25),
  ('business', 'Business', 199.00, NULL)
ON CONFLICT (code) DO NOTHING;
