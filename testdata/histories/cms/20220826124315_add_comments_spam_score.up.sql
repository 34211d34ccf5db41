ALTER TABLE comments ADD COLUMN spam_score real;
