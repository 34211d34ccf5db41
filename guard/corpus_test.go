package guard_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

// corpus is the folder of realistic histories (testdata/histories): written
// in the style of real projects, not for any one feature of guard.
const corpus = "../testdata/histories"

// Every history of the corpus, applied by guard as a plain role that owns
// its database (no superuser), on a database that also holds objects the
// history did not create (a table, a function and a view made by hand),
// ends with the very schema plain golang-migrate gives, at the same
// version, with a history row per file; a second up has nothing to do.
func TestCorpusHistoriesApplyAsGolangMigrateDoes(t *testing.T) {
	dirs, err := os.ReadDir(corpus)
	assert.NoError(t, err)
	assert.NotZero(t, len(dirs))
	for _, d := range dirs {
		t.Run(d.Name(), func(t *testing.T) {
			ctx := context.Background()
			fsys := os.DirFS(filepath.Join(corpus, d.Name()))
			src, err := source.Load(fsys, ".", d.Name())
			assert.NoError(t, err)

			theirs := pgtest.DB(t)
			golangMigrate(t, theirs, fsys)

			ours := pgtest.DB(t)
			role := plainOwner(t, ours)
			pgtest.Exec(t, ours, `CREATE TABLE legacy_reports (id int PRIMARY KEY, body text);
				CREATE FUNCTION legacy_total() RETURNS int LANGUAGE sql AS 'SELECT 42';
				CREATE VIEW legacy_view AS SELECT id FROM legacy_reports`)
			pgtest.Exec(t, ours, `ALTER TABLE legacy_reports OWNER TO `+pgx.Identifier{role}.Sanitize())
			cfg := config(t, ours)
			cfg.User = role
			r, err := guard.New(cfg, src, guard.WithShadowURL(pgtest.Server(t)), guard.WithShadowCache(false))
			assert.NoError(t, err)
			res, err := r.Up(ctx, 0)
			assert.NoError(t, err)
			assert.Equal(t, len(src.Migrations), len(res.Applied))
			assert.Equal(t, src.Head(), res.Version)
			assert.NotZero(t, len(res.Plan.HistoryDrift), "the hand-made objects are history drift, reported")

			want, _ := version(t, theirs)
			got, dirty := version(t, ours)
			assert.Equal(t, want, got)
			assert.False(t, dirty)
			pgtest.Exec(t, ours, `DROP VIEW legacy_view; DROP TABLE legacy_reports; DROP FUNCTION legacy_total()`)
			a, b := inspect(t, theirs), inspect(t, ours)
			assert.Equal(t, []diff.Change(nil), diff.Schemas(a, b), "guard's schema is golang-migrate's")
			rows := scalar[int](t, pgtest.Connect(t, ours), `SELECT count(*) FROM guard_history WHERE direction = 'up'`)
			assert.Equal(t, len(src.Migrations), rows)

			again, err := r.Up(ctx, 0)
			assert.NoError(t, err)
			assert.Equal(t, 0, len(again.Applied))
		})
	}
}

// plainOwner creates a login role of the test's own, with no superuser
// and no pg_read_all_stats, makes it the owner of the database at url (so
// that it may create trusted extensions and tables), and drops it when the
// test ends.
func plainOwner(t *testing.T, url string) string {
	t.Helper()
	conn := pgtest.Connect(t, url)
	var db string
	assert.NoError(t, conn.QueryRow(context.Background(), `SELECT current_database()`).Scan(&db))
	role := fmt.Sprintf("guard_corpus_%s", db[len(db)-12:])
	id := pgx.Identifier{role}.Sanitize()
	pgtest.Exec(t, url, `CREATE ROLE `+id+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`)
	pgtest.Exec(t, url, `ALTER DATABASE `+pgx.Identifier{db}.Sanitize()+` OWNER TO `+id+`; ALTER SCHEMA public OWNER TO `+id)
	t.Cleanup(func() {
		// Before the database is dropped (cleanups run last first): give
		// back what the role owns, then drop it.
		pgtest.Exec(t, url, `REASSIGN OWNED BY `+id+` TO CURRENT_USER; DROP OWNED BY `+id)
		pgtest.Exec(t, pgtest.Server(t), `ALTER DATABASE `+pgx.Identifier{db}.Sanitize()+` OWNER TO CURRENT_USER; DROP ROLE `+id)
	})
	return role
}

func inspect(t *testing.T, url string) *schema.Schema {
	t.Helper()
	s, err := schema.Inspect(context.Background(), pgtest.Connect(t, url))
	assert.NoError(t, err)
	return s
}
