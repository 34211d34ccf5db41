SELECT 1; -- deleted rows are gone
