-- pg_trgm: fuzzy title search in the admin
-- citext:  case-insensitive emails, domains and tag names
-- pgcrypto: random UUIDs and checksums
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
