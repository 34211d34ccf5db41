ALTER TABLE users DROP CONSTRAINT users_bio_length;
