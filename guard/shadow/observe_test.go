package shadow_test

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestStepObserved(t *testing.T) {
	ctx := t.Context()
	files := fstest.MapFS{
		"1_setup.up.sql":    {Data: []byte("CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int PRIMARY KEY, n int, pid int);\n")},
		"2_bigint.up.sql":   {Data: []byte("-- widen\nALTER TABLE t ALTER n TYPE bigint;\n")},
		"3_cic.up.sql":      {Data: []byte("CREATE INDEX CONCURRENTLY t_n ON t (n);\n")},
		"4_backfill.up.sql": {Data: []byte("LOCK TABLE t IN ACCESS EXCLUSIVE MODE;\n\nUPDATE t SET n = 1;\n")},
		"5_block.up.sql":    {Data: []byte("BEGIN;\nCREATE TABLE q (id int);\nCREATE INDEX t_pid ON t (pid);\nCREATE INDEX q_id ON q (id);\nCOMMIT;\n")},
		"6_fk.up.sql":       {Data: []byte("ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES p;\n")},
		"7_bad.up.sql":      {Data: []byte("ALTER TABLE t ADD c int;\nALTER TABLE nope ADD x int;\n")},
	}
	src, err := source.Load(files, ".", "observe")
	assert.NoError(t, err)
	p, err := shadow.NewProvider(ctx, shadow.WithShadowURL(pgtest.Server(t)), shadow.WithTarget(parse(t, pgtest.DB(t))))
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close(context.Background())) })
	dropTemplates(t, p, src) // the shadow URL's cache: drop what the test cached
	sh, err := p.New(ctx)
	assert.NoError(t, err)

	tbl := func(name string) hazard.Relation { return hazard.Relation{Schema: "public", Name: name, Kind: "r"} }
	var got []*hazard.File
	for _, m := range src.Migrations[:6] {
		obs, err := sh.StepObserved(ctx, src, source.UpStep(m))
		assert.NoError(t, err, m.Up)
		got = append(got, obs)
	}
	assert.True(t, got[0].PerStatement)
	assert.Equal(t, 2, len(got[0].Statements))
	assert.Equal(t, 0, len(got[0].Statements[1].Locks), "tables made by the file are not reported")

	bigint := got[1].Statements[0]
	assert.Equal(t, 2, bigint.Line, "the statement's line, after the comment")
	assert.Equal(t, []hazard.Relation{tbl("t")}, bigint.Rewrites)
	assert.Equal(t, []hazard.Lock{{Relation: tbl("t"), Mode: "AccessExclusiveLock"}}, onTables(bigint.Locks))

	cic := got[2]
	assert.False(t, cic.PerStatement, "runs as it is, outside a transaction")
	assert.Equal(t, 0, len(cic.Refused))
	assert.Equal(t, []hazard.Statement{{Line: 1, Text: "CREATE INDEX CONCURRENTLY t_n ON t (n)"}}, cic.Statements)

	lock, update := got[3].Statements[0], got[3].Statements[1]
	assert.Equal(t, []hazard.Lock{{Relation: tbl("t"), Mode: "AccessExclusiveLock"}}, onTables(lock.Locks))
	assert.Equal(t, 3, update.Line)
	assert.Equal(t, 0, len(onTables(update.Locks)), "already held")
	assert.Equal(t, []hazard.Relation{tbl("t")}, update.Scans)

	block := got[4]
	assert.True(t, block.PerStatement, "a BEGIN … COMMIT file runs in its own block")
	assert.Equal(t, 3, len(block.Statements))
	assert.Equal(t, []hazard.IndexBuild{{Index: hazard.Relation{Schema: "public", Name: "t_pid", Kind: "i"}, Table: tbl("t")}}, block.Statements[1].IndexBuilds)
	assert.Equal(t, 0, len(block.Statements[2].IndexBuilds), "q is the file's own")

	fk := got[5].Statements[0]
	assert.Equal(t, []hazard.Lock{{Relation: tbl("p"), Mode: "ShareRowExclusiveLock"}, {Relation: tbl("t"), Mode: "ShareRowExclusiveLock"}}, onTables(fk.Locks))
	assert.SliceContains(t, fk.Scans, tbl("t"), "validated at once")

	// A failing file fails as Step fails it, nothing of it left.
	_, obsErr := sh.StepObserved(ctx, src, source.UpStep(src.Migrations[6]))
	plain, _, err := p.NewAt(ctx, src, source.V(6))
	assert.NoError(t, err)
	plainErr := plain.Step(ctx, src, source.UpStep(src.Migrations[6]))
	var a, b *shadow.MigrationError
	assert.True(t, errors.As(obsErr, &a) && errors.As(plainErr, &b), "%v / %v", obsErr, plainErr)
	assert.Equal(t, b.Error(), a.Error())
	assert.Contains(t, a.Error(), `"nope" does not exist`)
	assert.True(t, errors.Is(sh.Step(ctx, src, source.UpStep(src.Migrations[6])), shadow.ErrFailed))
}

func TestStepObservedRefused(t *testing.T) {
	ctx := t.Context()
	src, err := source.Load(fstest.MapFS{
		"1_t.up.sql":   {Data: []byte("CREATE TABLE t (n int);\n")},
		"2_cic.up.sql": {Data: []byte("CREATE INDEX CONCURRENTLY t_n ON t (n);\nSELECT 1;\n")},
	}, ".", "refused")
	assert.NoError(t, err)
	p, err := shadow.NewProvider(ctx, shadow.WithShadowURL(pgtest.Server(t)), shadow.WithTarget(parse(t, pgtest.DB(t))))
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close(context.Background())) })
	dropTemplates(t, p, src) // the shadow URL's cache: drop what the test cached
	sh, _, err := p.NewAt(ctx, src, source.V(1))
	assert.NoError(t, err)
	obs, err := sh.StepObserved(ctx, src, source.UpStep(src.Migrations[1]))
	assert.Error(t, err)
	assert.Equal(t, []hazard.Refused{{Line: 1, Text: "CREATE INDEX CONCURRENTLY t_n ON t (n)", Name: "CREATE INDEX CONCURRENTLY"}}, obs.Refused)
}

// onTables keeps the locks on tables.
func onTables(ls []hazard.Lock) []hazard.Lock {
	var out []hazard.Lock
	for _, l := range ls {
		if l.Relation.Kind == "r" {
			out = append(out, l)
		}
	}
	return out
}
