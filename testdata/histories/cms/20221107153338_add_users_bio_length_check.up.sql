-- users.bio had no limit, the form had 160: align on 1000
ALTER TABLE users ADD CONSTRAINT users_bio_length CHECK (char_length(bio) <= 1000);
