ALTER TABLE subscriptions DROP COLUMN coupon_code;
DROP TABLE coupons;
