UPDATE pages SET comment_count = 0 WHERE comment_count <> 0;
