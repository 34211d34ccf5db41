DROP PROCEDURE publish_due_pages();
