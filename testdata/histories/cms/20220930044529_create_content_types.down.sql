DROP TABLE entries;
DROP TABLE content_types;
