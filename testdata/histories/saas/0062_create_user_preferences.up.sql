CREATE TABLE user_preferences (
  user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  timezone     text NOT NULL DEFAULT 'UTC',
  email_digest text NOT NULL DEFAULT 'weekly' CHECK (email_digest IN ('never', 'daily', 'weekly')),
  theme        text NOT NULL DEFAULT 'system',
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER set_updated_at
  BEFORE UPDATE ON user_preferences
  FOR EACH ROW
  EXECUTE FUNCTION trigger_set_updated_at();
