-- nothing to undo: the column goes away with the next down
SELECT 1;
