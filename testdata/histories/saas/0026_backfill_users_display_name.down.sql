-- data only: nothing to undo (0025's down drops the column)
SELECT 1;
