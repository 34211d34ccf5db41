DROP TABLE guard_serve.events;
DROP TABLE guard_serve.versions;
DROP TABLE guard_serve.targets;
DROP SCHEMA guard_serve;
