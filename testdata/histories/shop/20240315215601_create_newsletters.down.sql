DROP TABLE newsletters;
