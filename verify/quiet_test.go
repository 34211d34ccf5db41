package verify_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/verify"
)

// mapFS builds a migrations folder from name → contents pairs.
func mapFS(kv ...string) fstest.MapFS {
	out := fstest.MapFS{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = &fstest.MapFile{Data: []byte(kv[i+1])}
	}
	return out
}

// upOnly is a history of n tables, one per version from first, step apart,
// without down files.
func upOnly(first, step uint64, n int) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := range n {
		v := first + uint64(i)*step
		fsys[fmt.Sprintf("%d_t%d.up.sql", v, i)] = &fstest.MapFile{Data: fmt.Appendf(nil, "CREATE TABLE t%d (id int);", i)}
	}
	return fsys
}

func findings(rep *verify.Report, c verify.Check, sev verify.Severity) []verify.Finding {
	var out []verify.Finding
	for _, f := range rep.FindingsOf(c) {
		if f.Severity == sev {
			out = append(out, f)
		}
	}
	return out
}

// An up-only history gets one warning for all its missing down files, not
// one per version; --require-down still names each file as an error.
func TestMissingDownFilesAreOneWarning(t *testing.T) {
	p := provider(t)
	fsys := upOnly(1, 1, 39)
	fsys["40_last.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE last (id int);")}
	fsys["40_last.down.sql"] = &fstest.MapFile{Data: []byte("DROP TABLE last;")}
	rep, err := verify.Run(context2m(t), load(t, fsys), verify.WithShadowProvider(p))
	assert.NoError(t, err)
	assert.Equal(t, verify.StatusPassed, rep.Status)
	w := findings(rep, verify.CheckDown, verify.SeverityWarning)
	assert.Equal(t, 1, len(w), "%+v", rep.Findings)
	assert.Contains(t, w[0].Message, "39 versions have no down file")
	assert.Contains(t, w[0].Message, "1_t0.up.sql, 2_t1.up.sql, 3_t2.up.sql and 36 more")
	assert.Equal(t, 1+len(rep.FindingsOf(verify.CheckSum)), len(rep.Findings), "one line, and the sum file's: %+v", rep.Findings)
	assert.Equal(t, verify.StatusWarned, rep.Check(verify.CheckDown).Status)

	rep, err = verify.Run(context2m(t), load(t, fsys), verify.WithShadowProvider(p), verify.WithRequireDown())
	assert.NoError(t, err)
	assert.Equal(t, verify.StatusFailed, rep.Status)
	assert.Equal(t, 39, len(findings(rep, verify.CheckDown, verify.SeverityError)))
	assert.Equal(t, 0, len(findings(rep, verify.CheckDown, verify.SeverityWarning)))
}

// Gaps in sequential versions are one warning; none when gaps are the
// history's pattern.
func TestGapsAreOneWarningUnlessThePattern(t *testing.T) {
	p := provider(t)
	gapped := mapFS(
		"1_a.up.sql", "CREATE TABLE a (id int);", "2_b.up.sql", "CREATE TABLE b (id int);",
		"3_c.up.sql", "CREATE TABLE c (id int);", "5_d.up.sql", "CREATE TABLE d (id int);",
		"6_e.up.sql", "CREATE TABLE e (id int);", "9_f.up.sql", "CREATE TABLE f (id int);",
		"10_g.up.sql", "CREATE TABLE g (id int);", "11_h.up.sql", "CREATE TABLE h (id int);",
		"14_i.up.sql", "CREATE TABLE i (id int);",
	)
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want string // "" for no gap warning
	}{
		{"three gaps", gapped, "3 gaps in the sequence of versions: 5 follows 3, 9 follows 6, 14 follows 11"},
		{"steps of ten", upOnly(10, 10, 8), ""},
		{"dates", mapFS("20240105_a.up.sql", "SELECT 1;", "20240117_b.up.sql", "SELECT 1;", "20240302_c.up.sql", "SELECT 1;", "20240303_d.up.sql", "SELECT 1;"), ""},
		{"timestamps", upOnly(20240105093000, 7, 5), ""},
		{"consecutive", upOnly(1, 1, 6), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify.Run(context2m(t), load(t, tc.fsys), verify.WithShadowProvider(p))
			assert.NoError(t, err)
			w := findings(rep, verify.CheckHygiene, verify.SeverityWarning)
			if tc.want == "" {
				assert.Equal(t, 0, len(w), "%+v", w)
				return
			}
			assert.Equal(t, 1, len(w), "%+v", w)
			assert.Equal(t, tc.want, w[0].Message)
		})
	}
}

// A down file cannot drop an enum value its up file added: a warning when
// the up file applies again on top of it, an error when it does not.
func TestEnumValueLeftByADownFile(t *testing.T) {
	p := provider(t)
	base := []string{
		"1_status.up.sql", "CREATE TYPE status AS ENUM ('new', 'paid'); CREATE TABLE orders (id int, s status);",
		"1_status.down.sql", "DROP TABLE orders; DROP TYPE status;",
		"2_cancelled.down.sql", "-- PostgreSQL cannot drop an enum value\nSELECT 1;",
		"3_notes.up.sql", "CREATE TABLE notes (id int);",
		"3_notes.down.sql", "DROP TABLE notes;",
	}
	again := mapFS(append(base, "2_cancelled.up.sql", "ALTER TYPE status ADD VALUE IF NOT EXISTS 'cancelled';")...)
	rep, err := verify.Run(context2m(t), load(t, again), verify.WithShadowProvider(p), verify.WithSourceDir("migrations"))
	assert.NoError(t, err)
	assert.Equal(t, verify.StatusPassed, rep.Status, "%+v", rep.Findings)
	w := findings(rep, verify.CheckDown, verify.SeverityWarning)
	assert.Equal(t, 1, len(w), "%+v", rep.Findings)
	assert.Equal(t, "migrations/2_cancelled.down.sql", w[0].File)
	assert.Contains(t, w[0].Message, `leaves enum value`)
	assert.Contains(t, w[0].Message, `cancelled`)
	assert.Equal(t, "3 down migrations checked: up, down, up again", rep.Check(verify.CheckDown).Detail)

	once := mapFS(append(base, "2_cancelled.up.sql", "ALTER TYPE status ADD VALUE 'cancelled';")...)
	rep, err = verify.Run(context2m(t), load(t, once), verify.WithShadowProvider(p), verify.WithSourceDir("migrations"))
	assert.NoError(t, err)
	assert.Equal(t, verify.StatusFailed, rep.Status)
	e := findings(rep, verify.CheckDown, verify.SeverityError)
	assert.Equal(t, 1, len(e), "%+v", rep.Findings)
	assert.Equal(t, "migrations/2_cancelled.up.sql", e[0].File)
	assert.Contains(t, e[0].Message, "fails when applied again after 2_cancelled.down.sql")
	assert.Contains(t, e[0].Message, `already exists`)
	assert.Contains(t, e[0].Hint, "ADD VALUE IF NOT EXISTS")
	assert.Equal(t, 0, len(findings(rep, verify.CheckDown, verify.SeverityWarning)), "%+v", rep.Findings)
}

// With many findings of every kind, verify's JSON report is the same, byte
// for byte, on every run.
func TestReportIsDeterministic(t *testing.T) {
	p := provider(t)
	fsys := mapFS(
		"1_users.up.sql", "CREATE TABLE users (id int);",
		"1_users.down.sql", "DROP TABLE users;",
		"2_bio.up.sql", "ALTER TABLE users ADD COLUMN bio text;",
		"2_no_bio.down.sql", "SELECT 1;", // does not undo it, and another title
		"3_x.up.sql", "CREATE TABLE x (id int);",
		"3_y.up.sql", "CREATE TABLE y (id int);", // duplicate
		"4_stray.down.sql", "SELECT 1;", // no up, nor for the next three
		"6_stray.down.sql", "SELECT 1;",
		"9_stray.down.sql", "SELECT 1;",
		"13_stray.down.sql", "SELECT 1;",
		"5-bad.up.sql", "SELECT 1;", // skipped name
		"7_gap.up.sql", "CREATE TABLE gap (id int);",
		"8_idx.up.sql", "CREATE TABLE i (id int); CREATE INDEX CONCURRENTLY i_id ON i (id);",
		"10_a.up.sql", "CREATE TABLE a (id int);",
		"10_a.down.sql", "DROP TABLE a;",
		"11_b.up.sql", "CREATE TABLE b (id int);",
		"12_c.up.sql", "CREATE TABLE c (id int);",
		"12_c.down.sql", "DROP TABLE c; DROP TABLE nothere;",
	)
	var first []byte
	for i := range 4 {
		rep, err := verify.Run(context2m(t), load(t, fsys), verify.WithShadowProvider(p), verify.WithSourceDir("migrations"))
		assert.NoError(t, err)
		b, err := json.MarshalIndent(rep, "", "  ")
		assert.NoError(t, err)
		if i == 0 {
			first = b
			assert.True(t, rep.Summary.Errors >= 5, "%s", b)
			continue
		}
		assert.Equal(t, string(first), string(b))
	}
}
