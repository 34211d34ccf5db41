DROP TABLE guard_serve.api_keys;
