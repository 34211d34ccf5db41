DROP TRIGGER comments_notify_author ON comments;
DROP FUNCTION notify_page_author_of_comment();
