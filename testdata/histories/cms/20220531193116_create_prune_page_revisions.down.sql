DROP PROCEDURE prune_page_revisions(integer);
