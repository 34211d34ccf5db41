-- citext: case-insensitive emails and slugs
-- pgcrypto: gen_random_uuid(), gen_random_bytes() for tokens
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
