package sqltext

import (
	"strings"
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/google/go-cmp/cmp"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name string
		sql  string
		want []Statement // Offset -1: the first occurrence of Text in sql
	}{
		{"statements and offsets", "CREATE TABLE t (id int);\n  INSERT INTO t VALUES (1) ;\n",
			[]Statement{{"CREATE TABLE t (id int)", 0}, {"INSERT INTO t VALUES (1)", 27}}},
		{"trailing statement without semicolon", "SELECT 1;\nSELECT 2\n\n",
			[]Statement{{"SELECT 1", 0}, {"SELECT 2", 10}}},
		{"empty statements", ";; \n ; -- only a comment\n;/* and another */;\t",
			nil},
		{"nothing", "", nil},
		{"quoted semicolon", "SELECT ';'; SELECT 2",
			[]Statement{{"SELECT ';'", 0}, {"SELECT 2", 12}}},
		{"doubled quote", "SELECT 'it''s;'; SELECT 2",
			[]Statement{{"SELECT 'it''s;'", 0}, {"SELECT 2", -1}}},
		{"E string with an escaped quote", `SELECT E'it\'s;', e'\\'; SELECT 2`,
			[]Statement{{`SELECT E'it\'s;', e'\\'`, 0}, {"SELECT 2", -1}}},
		{"a backslash ends nothing in a standard string", `SELECT '\'; SELECT 2`,
			[]Statement{{`SELECT '\'`, 0}, {"SELECT 2", -1}}},
		{"an E ending a word starts no E string", `SELECT typE'\'; SELECT 2`,
			[]Statement{{`SELECT typE'\'`, 0}, {"SELECT 2", -1}}},
		{"quoted identifier", `INSERT INTO "we;ird" ("a"";b") VALUES (1); SELECT 2`,
			[]Statement{{`INSERT INTO "we;ird" ("a"";b") VALUES (1)`, 0}, {"SELECT 2", -1}}},
		{"dollar quotes", "DO $$ BEGIN; END $$; CREATE FUNCTION f() RETURNS text AS $fn$ SELECT $$;$$; $fn$ LANGUAGE sql; SELECT 3",
			[]Statement{{"DO $$ BEGIN; END $$", 0}, {"CREATE FUNCTION f() RETURNS text AS $fn$ SELECT $$;$$; $fn$ LANGUAGE sql", -1}, {"SELECT 3", -1}}},
		{"a tag ends only at the same tag", "SELECT $a$ $b$; $ab$; $a$; SELECT 2",
			[]Statement{{"SELECT $a$ $b$; $ab$; $a$", 0}, {"SELECT 2", -1}}},
		{"tag with a multibyte character", "SELECT $é$;$é$; SELECT 2",
			[]Statement{{"SELECT $é$;$é$", 0}, {"SELECT 2", -1}}},
		{"parameters are not dollar quotes", "SELECT $1; SELECT $2",
			[]Statement{{"SELECT $1", 0}, {"SELECT $2", -1}}},
		{"a dollar inside a word is not a quote", "SELECT a$b$c; SELECT 2",
			[]Statement{{"SELECT a$b$c", 0}, {"SELECT 2", -1}}},
		{"line comments", "-- first; comment\nSELECT 1 -- two; three\n; SELECT 2 -- end",
			[]Statement{{"SELECT 1", 18}, {"SELECT 2", -1}}},
		{"nested block comments", "/* a; /* b; */ c; */ SELECT 1 /* d; */ + 2; SELECT 3",
			[]Statement{{"SELECT 1 /* d; */ + 2", 21}, {"SELECT 3", -1}}},
		{"comment markers inside quotes", "SELECT '--', '/*'; SELECT 2",
			[]Statement{{"SELECT '--', '/*'", 0}, {"SELECT 2", -1}}},
		{"unterminated quote runs to the end", "SELECT 'a; SELECT 2 ",
			[]Statement{{"SELECT 'a; SELECT 2 ", 0}}},
		{"unterminated comment runs to the end", "SELECT 1 /* a; SELECT 2",
			[]Statement{{"SELECT 1", 0}}},
		{"unterminated dollar quote runs to the end", "SELECT 1; DO $x$ BEGIN; END",
			[]Statement{{"SELECT 1", 0}, {"DO $x$ BEGIN; END", 10}}},
		{"a SQL-standard function body keeps its semicolons", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3",
			[]Statement{{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END", 0}, {"SELECT 3", -1}}},
		{"a procedure's body, CASE … END inside it", "create or replace procedure p(x int) language sql begin atomic insert into t select case when x > 0 then 1 else 0 end; end;\nBEGIN; COMMIT;",
			[]Statement{{"create or replace procedure p(x int) language sql begin atomic insert into t select case when x > 0 then 1 else 0 end; end", 0}, {"BEGIN", -1}, {"COMMIT", -1}}},
		{"BEGIN outside a routine is a statement", "BEGIN; CREATE TABLE t (begin_at int, endx int); COMMIT;",
			[]Statement{{"BEGIN", 0}, {"CREATE TABLE t (begin_at int, endx int)", -1}, {"COMMIT", -1}}},
		{"a quoted or dollar-quoted BEGIN opens nothing", `CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql; CREATE FUNCTION "begin"() RETURNS int LANGUAGE sql RETURN 1; SELECT 2`,
			[]Statement{{"CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql", 0}, {`CREATE FUNCTION "begin"() RETURNS int LANGUAGE sql RETURN 1`, -1}, {"SELECT 2", -1}}},
		{"an E string after a word is still one", `CREATE FUNCTION f() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT E'end;\''; END; SELECT 2`,
			[]Statement{{`CREATE FUNCTION f() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT E'end;\''; END`, 0}, {"SELECT 2", -1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i, st := range tc.want {
				if st.Offset < 0 {
					tc.want[i].Offset = strings.Index(tc.sql, st.Text)
				}
			}
			got := Split(tc.sql)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Split(%q) (-want +got):\n%s", tc.sql, diff)
			}
			for _, st := range got {
				assert.Equal(t, st.Text, tc.sql[st.Offset:st.Offset+len(st.Text)])
			}
		})
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 'a@', \"b;\", /* c */ -- \n$x$ d $x$ ;\n ", "SELECT '  ', \"  \"," + strings.Repeat(" ", 12) + "\n$x$   $x$ ;\n "},
		// Comments are blanked whole; newlines stay.
		{"a--\n/*\n*/b", "a  \n  \n  b"},
		{"x /* a /* b */ c */ y", "x" + strings.Repeat(" ", 19) + "y"},
		{`E'\'' '\'`, `E'  ' ' '`},
		// $1 is a parameter, not a dollar quote.
		{"WHERE id = $1 AND x = $2", "WHERE id = $1 AND x = $2"},
		{"SELECT 'open", "SELECT '    "},
	} {
		assert.Equal(t, tc.want, Mask(tc.in), tc.in)
	}
}

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

func TestStatementsLeavesOutWhatOnlyLooksLikeAStatement(t *testing.T) {
	assert.Equal(t, []string(nil), Statements("-- x\n; /* y */ ;\u00a0;"))
	assert.Equal(t, []string{"SELECT ''"}, Statements("SELECT 'open; string"))
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
		{"CREATE FUNCTION n() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END;", false, false, false},
	} {
		assert.Equal(t, tc.txControl, TransactionControl(tc.sql), tc.sql)
		assert.Equal(t, tc.solo, Solo(tc.sql), tc.sql)
		assert.Equal(t, tc.addsEnumVal, AddsEnumValue(tc.sql), tc.sql)
	}
}

// FuzzSplit checks what holds for any input: no panic; statements are the
// text at their offsets, in order, separated by at least one ';'; nothing
// but white space, semicolons and comments is left out; joining the
// statements with ";" and splitting again gives them back.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
		"SELECT 'a;b', E'c\\';d', \"e;f\", $$g;h$$, $t$i;$$;j$t$, $1; -- k;\n/* l /* m; */ n; */ SELECT 2",
		"DO $x$ BEGIN; END",
		"SELECT typE'\\'; SELECT 'x",
		";;\n; ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		m := Mask(sql)
		if len(m) != len(sql) {
			t.Fatalf("Mask(%q) = %q: a different length", sql, m)
		}
		for k := range len(m) {
			if m[k] != sql[k] && (m[k] != ' ' || sql[k] == '\n') {
				t.Fatalf("Mask(%q) = %q: byte %d changed to other than a space", sql, m, k)
			}
		}
		stmts := Split(sql)
		prev := 0 // just past the previous statement
		var texts []string
		for n, st := range stmts {
			end := st.Offset + len(st.Text)
			if st.Text == "" || st.Offset < prev || end > len(sql) || sql[st.Offset:end] != st.Text {
				t.Fatalf("Split(%q): statement %d %+v is not the text at its offset, after the one before", sql, n, st)
			}
			if strings.IndexByte(blanks, st.Text[0]) >= 0 || strings.IndexByte(blanks, st.Text[len(st.Text)-1]) >= 0 && end < len(sql) {
				t.Fatalf("Split(%q): statement %d %q starts or ends with white space", sql, n, st.Text)
			}
			gap := m[prev:st.Offset]
			if strings.Trim(gap, blanks+";") != "" || (n > 0 && !strings.Contains(gap, ";")) {
				t.Fatalf("Split(%q): %q before statement %d is not only white space, comments and semicolons, or lacks its ';'", sql, sql[prev:st.Offset], n)
			}
			if strings.Contains(m[st.Offset:end], ";") {
				t.Fatalf("Split(%q): statement %d %q holds a ';' outside quotes and comments", sql, n, st.Text)
			}
			texts = append(texts, st.Text)
			prev = end
		}
		if strings.Trim(m[prev:], blanks+";") != "" {
			t.Fatalf("Split(%q): %q after the last statement is not only white space, comments and semicolons", sql, sql[prev:])
		}
		var again []string
		for _, st := range Split(strings.Join(texts, ";\n")) {
			again = append(again, st.Text)
		}
		if diff := cmp.Diff(texts, again); diff != "" {
			t.Fatalf("Split(%q), joined and split again (-first +again):\n%s", sql, diff)
		}
		if len(Statements(sql)) > len(stmts) {
			t.Fatalf("Statements(%q) finds more statements than Split", sql)
		}
	})
}

func TestNoTransaction(t *testing.T) {
	for _, tc := range []struct {
		stmt string
		want string
	}{
		{"CREATE INDEX CONCURRENTLY users_name ON users (name)", "CREATE INDEX CONCURRENTLY"},
		{"create unique index concurrently if not exists u ON t (a)", "CREATE UNIQUE INDEX CONCURRENTLY"},
		{"DROP INDEX CONCURRENTLY users_name", "DROP INDEX CONCURRENTLY"},
		{"REINDEX INDEX CONCURRENTLY users_name", "REINDEX … CONCURRENTLY"},
		{"VACUUM (ANALYZE) users", "VACUUM"},
		{"ALTER SYSTEM SET work_mem = '64MB'", "ALTER SYSTEM"},
		{"CREATE DATABASE other", "CREATE DATABASE"},
		{"ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY", "ALTER TABLE … DETACH PARTITION … CONCURRENTLY"},
		{"-- a comment first\nVACUUM", "VACUUM"},
		// Fine inside a transaction.
		{"REFRESH MATERIALIZED VIEW CONCURRENTLY v", ""},
		{"CREATE INDEX users_name ON users (name)", ""},
		{"COMMENT ON TABLE t IS 'create index concurrently'", ""},
		{"ALTER TYPE s ADD VALUE 'x'", ""},
		{"CLUSTER users USING users_pkey", ""},
	} {
		got, ok := NoTransaction(tc.stmt)
		assert.Equal(t, tc.want != "", ok, tc.stmt)
		assert.Equal(t, tc.want, got, tc.stmt)
	}
}

func TestLineColOfSplitStatements(t *testing.T) {
	sql := "-- name: GetUser :one\nSELECT ';' AS semi, $$a;b$$ AS body\nFROM users; /* trailing; comment */\n\n" +
		"-- name: Two\nINSERT INTO t (\"we;ird\") VALUES (E'it\\'s;')\n;\n  ;  -- empty\n"
	got := Split(sql)
	assert.Equal(t, 2, len(got))
	assert.Equal(t, "SELECT ';' AS semi, $$a;b$$ AS body\nFROM users", got[0].Text)
	assert.Equal(t, "INSERT INTO t (\"we;ird\") VALUES (E'it\\'s;')", got[1].Text)
	line, col := LineCol(sql, got[0].Offset)
	assert.Equal(t, [2]int{2, 1}, [2]int{line, col}, "after the sqlc name comment")
	line, col = LineCol(sql, got[1].Offset)
	assert.Equal(t, [2]int{6, 1}, [2]int{line, col})
}

func TestByteOffsetCountsCharacters(t *testing.T) {
	s := "SELECT 'é', nope"
	assert.Equal(t, strings.Index(s, "nope"), ByteOffset(s, 13)) // PostgreSQL's position counts é as one
	line, col := LineCol("ab\r\nçd x", len("ab\r\nçd "))
	assert.Equal(t, [2]int{2, 4}, [2]int{line, col})
}

func TestPosition(t *testing.T) {
	for _, tc := range []struct {
		text      string
		pos       int
		line, col int
		ok        bool
	}{
		{"SELECT x", 8, 1, 8, true},
		{"a;\nSELECT nope", 11, 2, 8, true},
		{"é;\r\nSELECT x", 12, 2, 8, true},
		{"abc", 4, 0, 0, false},
		{"abc", 0, 0, 0, false},
	} {
		line, col, ok := Position(tc.text, tc.pos)
		if diff := cmp.Diff([3]any{tc.line, tc.col, tc.ok}, [3]any{line, col, ok}); diff != "" {
			t.Errorf("Position(%q, %d): %s", tc.text, tc.pos, diff)
		}
	}
}
