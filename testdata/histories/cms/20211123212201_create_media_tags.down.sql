DROP TABLE media_tags;
