package shadow_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	gschema "github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/migrations"
)

// run tells this test process's histories from other processes' on the
// same server.
var run = pgtest.RandomSuffix()

// own returns fsys as a history of the test's own: a comment naming the
// test and this process ends its first up file, so that the templates of
// the history are the test's alone (the same test running in another
// process on the same server builds its own). Within a test, histories with
// the same first file still share their templates.
func own(t *testing.T, fsys fstest.MapFS) *source.Source {
	t.Helper()
	src, err := source.Load(fsys, ".", "m")
	assert.NoError(t, err)
	marked := fstest.MapFS{}
	maps.Copy(marked, fsys)
	first := src.Migrations[0].Up
	marked[first] = &fstest.MapFile{Data: fmt.Appendf(slices.Clone(fsys[first].Data), "\n-- guard test %s %s\n", t.Name(), run)}
	src, err = source.Load(marked, ".", "m")
	assert.NoError(t, err)
	return src
}

// ownExample is the example history as a history of the test's own.
func ownExample(t *testing.T) *source.Source {
	t.Helper()
	fsys := fstest.MapFS{}
	entries, err := fs.ReadDir(migrations.FS, ".")
	assert.NoError(t, err)
	for _, e := range entries {
		b, err := fs.ReadFile(migrations.FS, e.Name())
		assert.NoError(t, err)
		fsys[e.Name()] = &fstest.MapFile{Data: b}
	}
	return own(t, fsys)
}

// templates lists the cached templates of src's history (up to its head)
// on p's server.
func templates(t *testing.T, p *shadow.Provider, src *source.Source) []string {
	t.Helper()
	names, err := shadow.TemplateNames(p, src, src.Head())
	assert.NoError(t, err)
	ctx := context.Background() // also from a cleanup
	conn, err := pgx.Connect(ctx, pgtest.Server(t))
	assert.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT datname::text FROM pg_database WHERE datname = ANY($1) ORDER BY 1`, names)
	assert.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	assert.NoError(t, err)
	return out
}

// dropTemplates drops the cached templates of the histories of srcs when
// the test ends: they outlive providers by design.
func dropTemplates(t *testing.T, p *shadow.Provider, srcs ...*source.Source) {
	t.Helper()
	t.Cleanup(func() {
		for _, src := range srcs {
			for _, name := range templates(t, p, src) {
				pgtest.Exec(t, pgtest.Server(t), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize())
			}
		}
	})
}

func inspect(t *testing.T, sh *shadow.Shadow) *gschema.Schema {
	t.Helper()
	s, err := gschema.Inspect(t.Context(), sh.Conn())
	assert.NoError(t, err)
	return s
}

func TestNewAtCachesTheReplayedHistory(t *testing.T) {
	ctx := t.Context()
	src := ownExample(t)
	target := parse(t, pgtest.DB(t))

	off, err := shadow.NewProvider(ctx, shadow.WithTarget(target))
	assert.NoError(t, err)
	defer off.Close(ctx)
	dropTemplates(t, off, src)
	assert.False(t, off.TemplateCache(), "opt-in on the target's server")
	cold, warm, err := off.NewAt(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.False(t, warm)
	want := inspect(t, cold)
	assert.NoError(t, cold.Drop(ctx))
	assert.Equal(t, 0, len(templates(t, off, src)))

	p, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithTemplateCache(true))
	assert.NoError(t, err)
	defer p.Close(ctx)
	first, warm, err := p.NewAt(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.False(t, warm)
	assert.Equal(t, want, inspect(t, first))
	assert.Equal(t, source.V(5), first.Version())
	assert.NoError(t, first.Drop(ctx))
	assert.Equal(t, 1, len(templates(t, p, src)))

	second, warm, err := p.NewAt(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.True(t, warm, "the second shadow at the same history is a copy")
	assert.Equal(t, want, inspect(t, second))
	// It goes on from there like any shadow.
	m6, _ := src.Find(source.V(6))
	assert.NoError(t, second.Step(ctx, src, source.UpStep(m6)))
	assert.NoError(t, second.Drop(ctx))

	// A longer history starts from the cached prefix.
	six, warm, err := p.NewAt(ctx, src, source.V(6))
	assert.NoError(t, err)
	assert.False(t, warm)
	assert.NotZero(t, inspect(t, six).Table("public", "users").Column("email_address"))
	assert.NoError(t, six.Drop(ctx))
	assert.Equal(t, 2, len(templates(t, p, src)))
}

func TestEditedFileNeverReusesATemplate(t *testing.T) {
	ctx := t.Context()
	target := parse(t, pgtest.DB(t))
	p, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithTemplateCache(true))
	assert.NoError(t, err)
	defer p.Close(ctx)
	load := func(col string) *source.Source {
		src := own(t, fstest.MapFS{"1_t.up.sql": {Data: []byte("CREATE TABLE t (" + col + " int);")}})
		dropTemplates(t, p, src)
		return src
	}
	sh, _, err := p.NewAt(ctx, load("a"), source.V(1))
	assert.NoError(t, err)
	assert.NoError(t, sh.Drop(ctx))
	sh, warm, err := p.NewAt(ctx, load("b"), source.V(1))
	assert.NoError(t, err)
	assert.False(t, warm)
	assert.NotZero(t, inspect(t, sh).Table("public", "t").Column("b"))
	assert.NoError(t, sh.Drop(ctx))
}

func TestStaleTemplatesAreCollected(t *testing.T) {
	ctx := t.Context()
	target := parse(t, pgtest.DB(t))
	p, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithTemplateCache(true))
	assert.NoError(t, err)
	defer p.Close(ctx)
	cache := func(src *source.Source, v source.Version) {
		t.Helper()
		sh, _, err := p.NewAt(ctx, src, v)
		assert.NoError(t, err)
		assert.NoError(t, sh.Drop(ctx))
	}

	// Another history's template, used before all of this one's, and one
	// unused for over a week (its comment as written before templates
	// named their history).
	other := own(t, fstest.MapFS{"1_o.up.sql": {Data: []byte("CREATE TABLE o (id int);")}})
	stale := own(t, fstest.MapFS{"1_s.up.sql": {Data: []byte("CREATE TABLE s (id int);")}})
	fsys := fstest.MapFS{}
	for i := 1; i <= 10; i++ {
		fsys[fmt.Sprintf("%d_t%d.up.sql", i, i)] = &fstest.MapFile{Data: fmt.Appendf(nil, "CREATE TABLE t%d (id int);", i)}
	}
	src := own(t, fsys)
	dropTemplates(t, p, other, stale, src)
	cache(other, source.V(1))
	cache(stale, source.V(1))
	staleName := templates(t, p, stale)[0]
	pgtest.Exec(t, pgtest.Server(t), `COMMENT ON DATABASE `+pgx.Identifier{staleName}.Sanitize()+` IS 'guard template version=1 used=2001-01-01T00:00:00Z'`)

	// Each version of the history is a template of its own.
	for v := uint64(1); v <= 10; v++ {
		cache(src, source.V(v))
	}
	kept := templates(t, p, src)
	assert.Equal(t, 8, len(kept), "at most 8 templates of a history are kept")
	names, err := shadow.TemplateNames(p, src, src.Head())
	assert.NoError(t, err)
	assert.SliceContains(t, kept, names[9], "the newest is kept")
	assert.Equal(t, 1, len(templates(t, p, other)), "another history's template is not crowded out")
	assert.Equal(t, 0, len(templates(t, p, stale)), "a template unused for a week is collected")
}

func TestBatchedReplayBehavesLikeOneFileAtATime(t *testing.T) {
	ctx := t.Context()
	target := parse(t, pgtest.DB(t))
	fsys := fstest.MapFS{
		"1_a.up.sql": {Data: []byte("CREATE TABLE a (id int PRIMARY KEY);\n-- no newline at the end")},
		"2_b.up.sql": {Data: []byte("CREATE TYPE mood AS ENUM ('ok');")},
		"3_c.up.sql": {Data: []byte("ALTER TYPE mood ADD VALUE 'meh';")},
		// Uses the value added by 3: fails if 3 is not committed yet.
		"4_d.up.sql": {Data: []byte("CREATE TABLE d (m mood DEFAULT 'meh');")},
		"5_e.up.sql": {Data: []byte("BEGIN;\nCREATE TABLE e (id int);\nCOMMIT;\n")},
		"6_f.up.sql": {Data: []byte("")},
		"7_g.up.sql": {Data: []byte("CREATE INDEX CONCURRENTLY a_id ON a (id);")},
		"8_h.up.sql": {Data: []byte("ALTER TABLE a ADD COLUMN h text;")},
	}
	src, err := source.Load(fsys, ".", "m")
	assert.NoError(t, err)
	p, err := shadow.NewProvider(ctx, shadow.WithTarget(target))
	assert.NoError(t, err)
	defer p.Close(ctx)
	batched, err := p.New(ctx)
	assert.NoError(t, err)
	assert.NoError(t, batched.Migrate(ctx, src, source.V(8)))
	stepped, err := p.New(ctx)
	assert.NoError(t, err)
	for _, m := range src.Migrations {
		assert.NoError(t, stepped.Step(ctx, src, source.UpStep(m)))
	}
	assert.Equal(t, inspect(t, stepped), inspect(t, batched))

	// A failure inside a batch names the file and line, as if alone, and
	// the files before it stay applied.
	fsys["3_c.up.sql"] = &fstest.MapFile{Data: []byte("ALTER TABLE a ADD COLUMN c int;\nALTER TABLE a ADD COLUMNN x int;\n")}
	fsys["4_d.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE d (id int);")}
	src, err = source.Load(fsys, ".", "m")
	assert.NoError(t, err)
	failing, err := p.New(ctx)
	assert.NoError(t, err)
	err = failing.Migrate(ctx, src, source.V(4))
	var me *shadow.MigrationError
	assert.True(t, errors.As(err, &me), "%v", err)
	assert.Equal(t, "3_c.up.sql", me.File)
	assert.Equal(t, 2, me.Line)
	assert.Equal(t, source.V(2), failing.Version())
	assert.Zero(t, inspect(t, failing).Table("public", "a").Column("c"), "the failed file left nothing")
}

func TestViewIsARolledBackTransactionOnTheTemplate(t *testing.T) {
	ctx := t.Context()
	src := ownExample(t)
	target := parse(t, pgtest.DB(t))
	p, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithTemplateCache(true))
	assert.NoError(t, err)
	defer p.Close(ctx)
	dropTemplates(t, p, src)

	v, warm, err := p.View(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.False(t, warm, "the first view builds the template")
	assert.True(t, v.View())
	before, err := gschema.Inspect(ctx, v.Querier())
	assert.NoError(t, err)
	m6, _ := src.Find(source.V(6))
	assert.NoError(t, v.Step(ctx, src, source.UpStep(m6)))
	after, err := gschema.Inspect(ctx, v.Querier())
	assert.NoError(t, err)
	assert.NotZero(t, after.Table("public", "users").Column("email_address"))
	assert.Zero(t, before.Table("public", "users").Column("email_address"))

	// Copying the template waits for the view to end.
	copied := make(chan error, 1)
	go func() {
		sh, _, err := p.NewAt(context.Background(), src, source.V(5))
		if err == nil {
			err = sh.Drop(context.Background())
		}
		copied <- err
	}()
	admin := pgtest.Connect(t, pgtest.Server(t))
	for {
		var waiting bool
		assert.NoError(t, admin.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE state = 'active' AND query LIKE 'CREATE DATABASE % TEMPLATE ' || $1)`, pgx.Identifier{v.Name()}.Sanitize()).Scan(&waiting))
		if waiting {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
	assert.NoError(t, v.Drop(ctx))
	assert.NoError(t, <-copied)

	// The template is as it was: the step was rolled back.
	again, warm, err := p.View(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.True(t, warm)
	got, err := gschema.Inspect(ctx, again.Querier())
	assert.NoError(t, err)
	assert.Equal(t, before, got)
	assert.NoError(t, again.Drop(ctx))
	assert.Equal(t, 1, len(templates(t, p, src)))

	// A file that must run alone is refused.
	solo := own(t, fstest.MapFS{
		"1_a.up.sql": {Data: []byte("CREATE TABLE a (id int);")},
		"2_b.up.sql": {Data: []byte("CREATE INDEX CONCURRENTLY a_id ON a (id);")},
	})
	dropTemplates(t, p, solo)
	v, _, err = p.View(ctx, solo, source.V(1))
	assert.NoError(t, err)
	defer v.Drop(ctx)
	m2, _ := solo.Find(source.V(2))
	assert.IsError(t, v.Step(ctx, solo, source.UpStep(m2)), shadow.ErrNeedsDatabase)
}

func TestTemplateKeepsItsSchema(t *testing.T) {
	ctx := t.Context()
	src := ownExample(t)
	target := parse(t, pgtest.DB(t))
	p, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithTemplateCache(true),
		shadow.WithInspection([]string{"public"}, nil))
	assert.NoError(t, err)
	defer p.Close(ctx)
	dropTemplates(t, p, src)

	// Building the template keeps its schema in it: the view reads that.
	v, warm, err := p.View(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.False(t, warm)
	want, err := gschema.Inspect(ctx, v.Querier())
	assert.NoError(t, err)
	got, err := v.Schema(ctx)
	assert.NoError(t, err)
	assert.Equal(t, want, got)
	// Once a file ran, the shadow is inspected.
	m6, _ := src.Find(source.V(6))
	assert.NoError(t, v.Step(ctx, src, source.UpStep(m6)))
	after, err := v.Schema(ctx)
	assert.NoError(t, err)
	assert.NotZero(t, after.Table("public", "users").Column("email_address"))
	template := v.Name()
	assert.NoError(t, v.Drop(ctx))

	// What is kept is what is read: mark it in the template.
	tmpl, err := dburl.WithDatabase(pgtest.Server(t), template)
	assert.NoError(t, err)
	conn := pgtest.Connect(t, tmpl)
	tag, err := conn.Exec(ctx, `UPDATE guard_template SET schema_json = replace(schema_json, '"users"', '"marked"')`)
	assert.NoError(t, err)
	assert.Equal(t, int64(1), tag.RowsAffected())
	assert.NoError(t, conn.Close(ctx))
	v, warm, err = p.View(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.True(t, warm)
	got, err = v.Schema(ctx)
	assert.NoError(t, err)
	assert.NotZero(t, got.Table("public", "marked"))
	assert.NoError(t, v.Drop(ctx))

	// So does a copy fresh from the template.
	c, warm, err := p.NewAt(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.True(t, warm)
	got, err = c.Schema(ctx)
	assert.NoError(t, err)
	assert.NotZero(t, got.Table("public", "marked"))
	assert.NoError(t, c.Drop(ctx))

	// A template that kept nothing for this guard (built by another) is
	// inspected, and keeps the result for the next view.
	conn = pgtest.Connect(t, tmpl)
	_, err = conn.Exec(ctx, `DROP TABLE guard_template`)
	assert.NoError(t, err)
	assert.NoError(t, conn.Close(ctx))
	v, _, err = p.View(ctx, src, source.V(5))
	assert.NoError(t, err)
	got, err = v.Schema(ctx)
	assert.NoError(t, err)
	assert.Equal(t, want, got)
	assert.NoError(t, v.Drop(ctx))
	conn = pgtest.Connect(t, tmpl)
	var n int
	assert.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM guard_template WHERE schema_json IS NOT NULL`).Scan(&n))
	assert.Equal(t, 1, n)
	assert.NoError(t, conn.Close(ctx))

	// The record is guard's own: inspection leaves it out.
	assert.Zero(t, want.Table("public", "guard_template"))

	// A view records the use of its template, at most once an hour: in
	// the record, and in the comment that collection reads.
	comment := func() string {
		var c string
		admin := pgtest.Connect(t, pgtest.Server(t))
		assert.NoError(t, admin.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, template).Scan(&c))
		return c
	}
	// Not a week old: other runs on the server would collect the template.
	old := "guard template version=5 used=" + time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339)
	pgtest.Exec(t, pgtest.Server(t), `COMMENT ON DATABASE `+template+` IS '`+old+`'`)
	pgtest.Exec(t, tmpl, `UPDATE guard_template SET used_at = now() - interval '59 minutes'`)
	v, _, err = p.View(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.NoError(t, v.Drop(ctx))
	assert.Equal(t, old, comment(), "used within the hour")
	pgtest.Exec(t, tmpl, `UPDATE guard_template SET used_at = now() - interval '61 minutes'`)
	v, _, err = p.View(ctx, src, source.V(5))
	assert.NoError(t, err)
	assert.NoError(t, v.Drop(ctx))
	assert.NotEqual(t, old, comment())
	assert.True(t, strings.HasPrefix(comment(), "guard template version=5 used="), comment())
}

// DropTemplates drops every cached template of its history, and none of
// another history's.
func TestDropTemplatesTouchesOnlyItsHistory(t *testing.T) {
	ctx := t.Context()
	p, err := shadow.NewProvider(ctx, shadow.WithTarget(parse(t, pgtest.DB(t))), shadow.WithTemplateCache(true))
	assert.NoError(t, err)
	defer p.Close(ctx)
	mine := own(t, fstest.MapFS{
		"1_a.up.sql": {Data: []byte("CREATE TABLE a (id int);")},
		"2_b.up.sql": {Data: []byte("CREATE TABLE b (id int);")},
	})
	other := own(t, fstest.MapFS{"1_o.up.sql": {Data: []byte("CREATE TABLE o (id int);")}})
	dropTemplates(t, p, mine, other)
	for _, at := range []struct {
		src *source.Source
		v   source.Version
	}{{mine, source.V(1)}, {mine, source.V(2)}, {other, source.V(1)}} {
		sh, _, err := p.NewAt(ctx, at.src, at.v)
		assert.NoError(t, err)
		assert.NoError(t, sh.Drop(ctx))
	}
	assert.Equal(t, 2, len(templates(t, p, mine)))

	dropped, err := p.DropTemplates(ctx, mine)
	assert.NoError(t, err)
	assert.Equal(t, 2, len(dropped))
	assert.Equal(t, 0, len(templates(t, p, mine)))
	assert.Equal(t, 1, len(templates(t, p, other)), "another history's template stays")
}
