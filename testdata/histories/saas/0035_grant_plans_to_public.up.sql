-- The marketing site's read-only role reads the price list through PUBLIC.
GRANT SELECT ON TABLE plans TO PUBLIC;
