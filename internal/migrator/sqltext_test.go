package migrator

import (
	"testing"

	"github.com/alecthomas/assert/v2"
)

func TestStatements(t *testing.T) {
	sql := "CREATE TABLE a (x text DEFAULT 'a;b'); -- c;d\n/* e; /* nested; */ f; */ INSERT INTO \"we;ird\" VALUES ($$g;h$$);\n" +
		"CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; COMMIT; END $body$ LANGUAGE plpgsql;;\nSELECT E'it\\'s;'"
	got := Statements(sql)
	assert.Equal(t, []string{
		"CREATE TABLE a (x text DEFAULT '')",
		"INSERT INTO \"\" VALUES ($$)",
		"CREATE FUNCTION f() RETURNS int AS $$ LANGUAGE plpgsql",
		"SELECT E''",
	}, got)
}

func TestTransactionControlAndSolo(t *testing.T) {
	for _, tc := range []struct {
		sql         string
		txControl   bool
		solo        bool
		addsEnumVal bool
	}{
		{"CREATE TABLE t (id int);\nCREATE INDEX ON t (id);", false, false, false},
		{"BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;", true, true, false},
		{"create table t (id int); commit; create table u (id int)", true, true, false},
		{"END;", true, true, false},
		{"DO $$ BEGIN PERFORM 1; END $$;", false, false, false},
		{"-- BEGIN;\nCREATE TABLE t (id int);", false, false, false},
		{"CREATE INDEX CONCURRENTLY t_id ON t (id);", false, true, false},
		{"SET LOCAL lock_timeout = '1s'; ALTER TABLE t ADD COLUMN x int;", false, true, false},
		{"SET search_path = app;", false, false, false},
		{"VACUUM t;", false, true, false},
		{"ALTER TYPE mood ADD VALUE 'meh';", false, false, true},
		{"INSERT INTO notes VALUES ('add value');", false, false, false},
		{"START TRANSACTION; SELECT 1; COMMIT;", true, true, false},
	} {
		assert.Equal(t, tc.txControl, TransactionControl(tc.sql), tc.sql)
		assert.Equal(t, tc.solo, Solo(tc.sql), tc.sql)
		assert.Equal(t, tc.addsEnumVal, AddsEnumValue(tc.sql), tc.sql)
	}
}
