DROP TABLE media_variants;
