CREATE TABLE coupons (
    code        text PRIMARY KEY,
    percent_off smallint NOT NULL CHECK (percent_off BETWEEN 1 AND 100),
    expires_at  timestamptz
);
ALTER TABLE orders ADD COLUMN coupon_code text REFERENCES coupons (code);
