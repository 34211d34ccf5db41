package verify_test

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/verify"
)

// verify reports the hazards that grow with the table, on the shadow's
// own tables (no sizes), in the report, its text and GitHub annotations;
// brief locks are left to a plan against the target.
func TestVerifyHazards(t *testing.T) {
	fsys := fstest.MapFS{
		"1_t.up.sql":        {Data: []byte("CREATE TABLE t (id int PRIMARY KEY, n int);")},
		"1_t.down.sql":      {Data: []byte("DROP TABLE t;")},
		"2_bigint.up.sql":   {Data: []byte("-- widen\nALTER TABLE t ALTER n TYPE bigint;")},
		"2_bigint.down.sql": {Data: []byte("ALTER TABLE t ALTER n TYPE int;")},
		"3_col.up.sql":      {Data: []byte("ALTER TABLE t ADD COLUMN c int;")},
		"3_col.down.sql":    {Data: []byte("ALTER TABLE t DROP COLUMN c;")},
	}
	rep, err := verify.Run(context2m(t), load(t, fsys), verify.WithShadowProvider(provider(t)))
	assert.NoError(t, err)
	var got []string
	for _, h := range rep.Hazards {
		got = append(got, h.File+" "+string(h.Code)+" "+h.Table)
		assert.True(t, h.Rows == nil && h.Bytes == nil, "no sizes in verify")
		assert.Equal(t, 2, h.Line)
	}
	assert.Equal(t, []string{"2_bigint.up.sql table_rewrite public.t", "2_bigint.up.sql access_exclusive_lock public.t"}, got)
	assert.Equal(t, verify.StatusPassed, rep.Status, "a hazard is not a finding")

	var text, gh bytes.Buffer
	assert.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "2_bigint.up.sql:2: table_rewrite: rewrites public.t (every row copied) under ACCESS EXCLUSIVE")
	assert.Contains(t, text.String(), "hint: "+hazard.Hint(hazard.TableRewrite))
	assert.NoError(t, rep.WriteGitHub(&gh))
	assert.Contains(t, gh.String(), "::warning file=2_bigint.up.sql,line=2,title=guard verify%3A hazard table_rewrite::rewrites public.t")
}
