DROP TABLE fiscal_periods;
