ALTER TABLE orders DROP COLUMN coupon_code;
DROP TABLE coupons;
