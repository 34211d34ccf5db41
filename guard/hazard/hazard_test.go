package hazard_test

import (
	"encoding/json"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/hazard"
)

func TestPolicy(t *testing.T) {
	rows := func(n int64) *int64 { return &n }
	rewrite := hazard.Hazard{Code: hazard.TableRewrite, Scales: true, Rows: rows(2_000_000), Bytes: rows(1 << 30)}
	brief := hazard.Hazard{Code: hazard.AccessExclusiveLock, Rows: rows(2_000_000)}
	unsized := hazard.Hazard{Code: hazard.TableRewrite, Scales: true}
	for _, tc := range []struct {
		json                    string
		rewrite, brief, unsized bool
	}{
		{`"warn"`, false, false, false},
		{`"block"`, true, false, true},
		{`{"mode": "block", "min_rows": 1000000}`, true, false, false},
		{`{"mode": "block", "min_rows": 3000000}`, false, false, false},
		{`{"mode": "block", "min_rows": 3000000, "min_bytes": 1073741824}`, true, false, false},
		{`{"mode": "warn", "min_rows": 1}`, false, false, false},
	} {
		var p hazard.Policy
		assert.NoError(t, json.Unmarshal([]byte(tc.json), &p), tc.json)
		assert.Equal(t, tc.rewrite, p.Blocks(rewrite), tc.json)
		assert.Equal(t, tc.brief, p.Blocks(brief), tc.json)
		assert.Equal(t, tc.unsized, p.Blocks(unsized), tc.json)
	}
	var nilPolicy *hazard.Policy
	assert.False(t, nilPolicy.Blocks(rewrite))
	for _, bad := range []string{`"stop"`, `{"mode": "block", "rows": 1}`, `{"mode": "block", "min_rows": -1}`, `3`} {
		var p hazard.Policy
		assert.Error(t, json.Unmarshal([]byte(bad), &p), bad)
	}
}

func TestDeriveLockHeldAcross(t *testing.T) {
	tbl := hazard.Relation{Schema: "public", Name: "t", Kind: "r"}
	f := hazard.File{File: "2_x.up.sql", PerStatement: true, Statements: []hazard.Statement{
		{Line: 1, Text: "ALTER TABLE t ADD COLUMN b int", Locks: []hazard.Lock{{Relation: tbl, Mode: "AccessExclusiveLock"}}},
		{Line: 2, Text: "UPDATE t SET b = 1", Scans: []hazard.Relation{tbl}},
		{Line: 3, Text: "UPDATE t SET b = 2", Scans: []hazard.Relation{tbl}},
	}}
	var got []string
	for _, h := range hazard.Derive(f) {
		got = append(got, string(h.Code)+" "+h.Statement)
		assert.NotZero(t, h.Hint)
	}
	assert.Equal(t, []string{"access_exclusive_lock ALTER TABLE t ADD COLUMN b int", "lock_held_across UPDATE t SET b = 1"}, got, "once per held table")

	f.PerStatement = false // a file run whole: no lock is read, none held across
	f.Statements = []hazard.Statement{{Line: 1, Text: "VACUUM FULL t", Rewrites: []hazard.Relation{tbl}}}
	got = nil
	for _, h := range hazard.Derive(f) {
		got = append(got, string(h.Code)+" "+h.Lock)
	}
	assert.Equal(t, []string{"table_rewrite ACCESS EXCLUSIVE", "access_exclusive_lock ACCESS EXCLUSIVE"}, got)
}

func TestSizes(t *testing.T) {
	assert.Equal(t, "52 M rows", hazard.Rows(52_345_678))
	assert.Equal(t, "200 k rows", hazard.Rows(200_000))
	assert.Equal(t, "1 row", hazard.Rows(1))
	assert.Equal(t, "9.1 GB", hazard.Bytes(9_771_000_000))
	assert.Equal(t, "10 MB", hazard.Bytes(10_485_760))
	assert.Equal(t, "512 bytes", hazard.Bytes(512))
}
