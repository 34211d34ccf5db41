package shadow_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

// versionColumns lists the columns of table t in the shadow, as
// "name type notnull", or nothing when there is no such table.
func versionColumns(t *testing.T, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, table string) []string {
	t.Helper()
	rows, err := q.Query(t.Context(), `
		SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
		FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, table)
	assert.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	assert.NoError(t, err)
	return out
}

// A shadow holds golang-migrate's version table, as golang-migrate's pgx/v5
// driver creates it before the first file: a migration that alters it
// replays, and inspection leaves it out as it does on the target.
func TestShadowHasTheVersionTable(t *testing.T) {
	ctx := t.Context()
	target := parse(t, pgtest.DB(t))
	p, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithInspection(nil, nil))
	assert.NoError(t, err)
	defer p.Close(ctx)

	empty, err := p.New(ctx)
	assert.NoError(t, err)
	assert.Equal(t, []string{"version bigint not null", "dirty boolean not null"}, versionColumns(t, empty.Conn(), "public.schema_migrations"))
	var pk bool
	assert.NoError(t, empty.Conn().QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'public.schema_migrations'::regclass AND contype = 'p')`).Scan(&pk))
	assert.True(t, pk, "version is the primary key, as golang-migrate makes it")
	assert.NoError(t, empty.Drop(ctx))

	src := own(t, fstest.MapFS{
		"1_users.up.sql":          {Data: []byte(`CREATE TABLE users (id bigint PRIMARY KEY);`)},
		"2_posts.up.sql":          {Data: []byte(`CREATE TABLE posts (id bigint PRIMARY KEY);`)},
		"3_data_version.up.sql":   {Data: []byte(`ALTER TABLE schema_migrations ADD COLUMN data_version int;`)},
		"3_data_version.down.sql": {Data: []byte(`ALTER TABLE schema_migrations DROP COLUMN data_version;`)},
		"4_read_version.up.sql":   {Data: []byte(`UPDATE schema_migrations SET data_version = 1; CREATE TABLE notes (id int);`)},
		"4_read_version.down.sql": {Data: []byte(`DROP TABLE notes;`)},
	})
	sh, _, err := p.NewAt(ctx, src, source.V(4))
	assert.NoError(t, err)
	defer sh.Drop(ctx)
	assert.Equal(t, []string{"version bigint not null", "dirty boolean not null", "data_version integer"}, versionColumns(t, sh.Conn(), "schema_migrations"))
	sc, err := sh.Schema(ctx)
	assert.NoError(t, err)
	names := []string{}
	for _, tb := range sc.Tables {
		names = append(names, tb.Name)
	}
	assert.Equal(t, []string{"notes", "posts", "users"}, names, "the version table is left out")
	assert.NoError(t, sh.Migrate(ctx, src, source.V(2)))
	assert.Equal(t, []string{"version bigint not null", "dirty boolean not null"}, versionColumns(t, sh.Conn(), "schema_migrations"))
}

// WithVersionTable names the table (x-migrations-table, schema-qualified as
// the runner resolved it); a table in a schema the empty shadow does not
// have is left out, as golang-migrate could not have created it there.
func TestShadowVersionTableNamed(t *testing.T) {
	ctx := t.Context()
	target := parse(t, pgtest.DB(t))
	p, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithVersionTable(source.Table{Schema: "public", Name: "Versions"}))
	assert.NoError(t, err)
	defer p.Close(ctx)
	sh, err := p.New(ctx)
	assert.NoError(t, err)
	defer sh.Drop(ctx)
	assert.Equal(t, 2, len(versionColumns(t, sh.Conn(), `public."Versions"`)))
	assert.Equal(t, 0, len(versionColumns(t, sh.Conn(), "public.schema_migrations")))

	q, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithVersionTable(source.Table{Schema: "ops", Name: "versions"}))
	assert.NoError(t, err)
	defer q.Close(ctx)
	none, err := q.New(ctx)
	assert.NoError(t, err, "no schema ops: no version table, no error")
	defer none.Drop(ctx)
	var n int
	assert.NoError(t, none.Conn().QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname IN ('versions', 'schema_migrations')`).Scan(&n))
	assert.Equal(t, 0, n)

	_, err = shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithVersionTable(source.Table{}))
	assert.Error(t, err)
}

// Templates hold the version table, and templates of one history made with
// different version tables are different templates: a view or a copy
// always has the table its provider names.
func TestTemplatesKeyTheVersionTable(t *testing.T) {
	ctx := t.Context()
	target := parse(t, pgtest.DB(t))
	src := own(t, fstest.MapFS{
		"1_users.up.sql": {Data: []byte(`CREATE TABLE users (id bigint PRIMARY KEY);`)},
		"2_alter.up.sql": {Data: []byte(`ALTER TABLE schema_migrations ADD COLUMN data_version int;`)},
	})
	def, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithTemplateCache(true))
	assert.NoError(t, err)
	defer def.Close(ctx)
	dropTemplates(t, def, src)
	other, err := shadow.NewProvider(ctx, shadow.WithTarget(target), shadow.WithTemplateCache(true),
		shadow.WithVersionTable(source.Table{Name: "versions"}))
	assert.NoError(t, err)
	defer other.Close(ctx)
	dropTemplates(t, other, src)

	a, err := shadow.TemplateNames(def, src, src.Head())
	assert.NoError(t, err)
	b, err := shadow.TemplateNames(other, src, src.Head())
	assert.NoError(t, err)
	assert.NotEqual(t, a[0], b[0])

	for range 2 { // cold, then warm
		v, _, err := def.View(ctx, src, source.V(1))
		assert.NoError(t, err)
		assert.Equal(t, 2, len(versionColumns(t, v.Querier(), "schema_migrations")))
		assert.NoError(t, v.Drop(ctx))
		c, _, err := def.NewAt(ctx, src, source.V(2))
		assert.NoError(t, err)
		assert.Equal(t, 3, len(versionColumns(t, c.Conn(), "schema_migrations")))
		assert.NoError(t, c.Drop(ctx))
	}
	_, _, err = other.NewAt(ctx, src, source.V(2))
	assert.Error(t, err, "file 2 alters schema_migrations, which a history with another version table has not")
	c, _, err := other.NewAt(ctx, src, source.V(1))
	assert.NoError(t, err)
	defer c.Drop(ctx)
	assert.Equal(t, 2, len(versionColumns(t, c.Conn(), "versions")))
	assert.Equal(t, 0, len(versionColumns(t, c.Conn(), "schema_migrations")))
}
