SELECT 1; -- validation cannot be undone; the constraint stays until the down before
