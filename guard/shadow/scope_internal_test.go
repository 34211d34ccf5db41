package shadow

import (
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/schema"
)

// What each kind of statement may change besides the tables it locks
// (false: anything). The rules that a differential test of schemas cannot
// see are here: a session setting changes how the catalog prints in the
// shadow's session, not in another.
func TestStatementScope(t *testing.T) {
	for _, c := range []struct {
		sql string
		sc  schema.Scope
		ok  bool
	}{
		{"CREATE TABLE t (id serial)", schema.Scope{Sequences: true}, true},
		{"create unique index concurrently if not exists i on t (a)", schema.Scope{}, true},
		{"CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ DROP TABLE x CASCADE $$", schema.Scope{Functions: true}, true},
		{"CREATE TYPE m AS ENUM ('a')", schema.Scope{Enums: true}, true},
		{"CREATE TYPE p AS (a int)", schema.Scope{Composites: true}, true},
		{"CREATE TYPE r AS RANGE (subtype = int)", schema.Scope{}, false},
		{"ALTER TYPE m ADD VALUE 'b'", schema.Scope{Enums: true}, true},
		{"ALTER TYPE m RENAME VALUE 'a' TO 'c'", schema.Scope{}, false},
		{"ALTER TABLE t ADD COLUMN c int", schema.Scope{Sequences: true}, true},
		{"ALTER TABLE t RENAME COLUMN c TO d", schema.Scope{Sequences: true, Views: true, Functions: true, Policies: true}, true},
		{"ALTER TABLE t RENAME TO u", schema.Scope{}, false},
		{"ALTER TABLE t SET SCHEMA other", schema.Scope{}, false},
		{"ALTER TABLE t DROP COLUMN c CASCADE", schema.Scope{}, false},
		{"ALTER SEQUENCE t_id_seq INCREMENT 5", schema.Scope{}, false},
		{"ALTER FUNCTION f() RENAME TO g", schema.Scope{}, false},
		{"DROP VIEW v", schema.Scope{Views: true}, true},
		{"DROP MATERIALIZED VIEW v", schema.Scope{Views: true}, true},
		{"GRANT SELECT ON t TO app", schema.Scope{}, false},
		{"DO $$ BEGIN END $$", schema.Scope{}, false},
		{"SELECT setval('t_id_seq', 10)", schema.Scope{}, false},
		{"UPDATE t SET c = 'cascade'", schema.Scope{}, true},
		{"SET LOCAL lock_timeout = '5s'", schema.Scope{}, true},
		{"SET quote_all_identifiers = on", schema.Scope{}, false},
		{"RESET ALL", schema.Scope{}, false},
		{"-- only a comment", schema.Scope{}, true},
	} {
		sc, ok := statementScope(c.sql)
		assert.Equal(t, c.ok, ok, c.sql)
		if ok {
			assert.Equal(t, c.sc, sc, c.sql)
		}
	}
}
