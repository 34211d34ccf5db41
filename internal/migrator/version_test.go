package migrator_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgtest"
)

// filenode is the version table's file on disk: a TRUNCATE gives the table
// a new one, a DELETE keeps it.
func filenode(t *testing.T, dbURL string) uint32 {
	t.Helper()
	var n uint32
	err := pgtest.Connect(t, dbURL).QueryRow(t.Context(), `SELECT relfilenode FROM pg_class WHERE oid = 'schema_migrations'::regclass`).Scan(&n)
	assert.NoError(t, err)
	return n
}

// The version is written as golang-migrate writes it (the same rows, in
// TestSameVersionTableAsGolangMigrate), but with DELETE rather than
// TRUNCATE: each TRUNCATE gave the table a new file (3 ms each on a durable
// server, two per migration) and took ACCESS EXCLUSIVE, queueing every
// reader of the version. Behind a transaction pooler too.
func TestVersionIsWrittenWithoutTruncate(t *testing.T) {
	for _, pooled := range []bool{false, true} {
		t.Run(map[bool]string{false: "session", true: "pooled"}[pooled], func(t *testing.T) {
			url := pgtest.DB(t)
			src := example(t)
			var opts []migrator.Option
			if pooled {
				opts = append(opts, migrator.WithTransactionPooler(nil, 0))
			}
			db := openDB(t, url, src, opts...)
			ctx := t.Context()
			assert.NoError(t, db.Goto(ctx, source.V(1)))
			before := filenode(t, url)
			assert.NoError(t, db.Goto(ctx, src.Head()))
			assert.NoError(t, db.Force(ctx, source.V(2)))
			assert.Equal(t, before, filenode(t, url))
			assert.Equal(t, []versionRow{{2, false}}, rows(t, url, "schema_migrations"))
		})
	}
}

// A migration role granted exactly what golang-migrate needs on a version
// table it does not own (SELECT, INSERT, TRUNCATE, no DELETE) still
// migrates: its version is written with golang-migrate's TRUNCATE.
func TestVersionOfARoleThatMayNotDelete(t *testing.T) {
	role := "guard_nodelete_" + pgtest.RandomSuffix()
	pgtest.Exec(t, pgtest.Server(t), `CREATE ROLE `+role+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`)
	t.Cleanup(func() { pgtest.Exec(t, pgtest.Server(t), `DROP ROLE IF EXISTS `+role) })
	url := pgtest.DB(t)
	pgtest.Exec(t, url, `CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
		GRANT SELECT, INSERT, TRUNCATE ON schema_migrations TO `+role)
	t.Cleanup(func() { pgtest.Exec(t, url, `DROP TABLE schema_migrations`) }) // before the role is dropped

	cfg, err := dburl.Parse(url)
	assert.NoError(t, err)
	cfg.User = role
	src := load(t, fstest.MapFS{
		"1_first.up.sql":  {Data: []byte(`SELECT 1`)},
		"2_second.up.sql": {Data: []byte(`SELECT 2`)},
	})
	db, err := migrator.OpenDB(t.Context(), cfg, src, source.DefaultTable(), migrator.WithLockTimeout(time.Minute))
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	assert.NoError(t, db.Goto(t.Context(), src.Head()))
	assert.Equal(t, []versionRow{{2, false}}, rows(t, url, "schema_migrations"))

	// Without TRUNCATE either, the error says what is missing.
	pgtest.Exec(t, url, `REVOKE TRUNCATE ON schema_migrations FROM `+role)
	err = db.Force(t.Context(), source.V(1))
	assert.Error(t, err)
	assert.Contains(t, err.Error(), "permission denied to DELETE from or TRUNCATE the version table")
}
