SELECT 1; -- numbers stay; the column goes with the previous down
