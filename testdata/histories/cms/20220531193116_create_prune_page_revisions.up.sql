-- keep the last `keep` revisions of every page
CREATE PROCEDURE prune_page_revisions(keep integer DEFAULT 50)
LANGUAGE sql
BEGIN ATOMIC
    DELETE FROM page_revisions r
     WHERE r.revision <= (SELECT max(r2.revision) - keep FROM page_revisions r2 WHERE r2.page_id = r.page_id);
END;
