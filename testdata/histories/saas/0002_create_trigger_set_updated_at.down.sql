DROP FUNCTION IF EXISTS trigger_set_updated_at();
