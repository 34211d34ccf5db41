ALTER TABLE comments DROP COLUMN spam_score;
