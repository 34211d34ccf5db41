DROP VIEW tag_counts;
