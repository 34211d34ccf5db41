CREATE TABLE coupons (
  code           citext PRIMARY KEY,
  percent_off    smallint CHECK (percent_off BETWEEN 1 AND 100),
  amount_off     numeric(10, 2) CHECK (amount_off > 0),
  duration       text NOT NULL DEFAULT 'once',
  redeem_by      timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT coupons_one_discount CHECK ((percent_off IS NULL) <> (amount_off IS NULL)),
  CONSTRAINT coupons_duration_check CHECK (duration IN ('once', 'repeating', 'forever'))
);

ALTER TABLE subscriptions ADD COLUMN coupon_code citext REFERENCES coupons (code) ON DELETE SET NULL;
