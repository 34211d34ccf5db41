package guard_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/enforce"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

func sqlStateOf(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// lockAndEnforce locks every table of the database behind conn in mode,
// saves the contract (at path) and installs its enforcement there.
func lockAndEnforce(t *testing.T, conn *pgx.Conn, mode contract.Mode) (c *contract.Contract, path string) {
	t.Helper()
	live, err := schema.Inspect(t.Context(), conn)
	assert.NoError(t, err)
	c = contract.New()
	_, err = c.Lock(live, nil, mode, time.Now())
	assert.NoError(t, err)
	path = filepath.Join(t.TempDir(), "guard.contract.json")
	assert.NoError(t, c.Save(path))
	_, err = enforce.Install(t.Context(), conn, c)
	assert.NoError(t, err)
	return c, path
}

// guard migrate up's own files pass contract enforcement in strict mode:
// files in one transaction, files with transactions of their own, and a
// file that runs outside a transaction (CREATE INDEX CONCURRENTLY); the
// same statements by hand are rejected; afterwards the database's copy is
// synced (the new index is the locked table's).
func TestUpPassesContractEnforcement(t *testing.T) {
	ctx := context.Background()
	url := pgtest.DB(t)
	fsys := fstest.MapFS{
		"000001_users.up.sql":   {Data: []byte(`CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);`)},
		"000001_users.down.sql": {Data: []byte(`DROP TABLE users;`)},
	}
	_, err := runner(t, url, fsys).Up(ctx, 0)
	assert.NoError(t, err)

	conn := pgtest.Connect(t, url)
	c, path := lockAndEnforce(t, conn, contract.ModeStrict)

	exec := func(sql string) error {
		_, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
		return err
	}
	assert.Equal(t, enforce.SQLState, sqlStateOf(exec(`CREATE INDEX CONCURRENTLY users_email_idx ON users (email)`)))
	assert.NoError(t, exec(`DROP INDEX IF EXISTS users_email_idx`)) // the invalid index CONCURRENTLY left
	assert.Equal(t, enforce.SQLState, sqlStateOf(exec(`ALTER TABLE users ADD COLUMN a text`)))

	fsys["000002_index.up.sql"] = &fstest.MapFile{Data: []byte(`CREATE INDEX CONCURRENTLY users_email_idx ON users (email);`)}
	fsys["000002_index.down.sql"] = &fstest.MapFile{Data: []byte(`DROP INDEX CONCURRENTLY users_email_idx;`)}
	fsys["000003_columns.up.sql"] = &fstest.MapFile{Data: []byte("ALTER TABLE users ADD COLUMN a text;\n")}
	fsys["000003_columns.down.sql"] = &fstest.MapFile{Data: []byte(`ALTER TABLE users DROP COLUMN a;`)}
	fsys["000004_transactions.up.sql"] = &fstest.MapFile{Data: []byte("BEGIN;\nALTER TABLE users ADD COLUMN b text;\nCOMMIT;\nBEGIN;\nALTER TABLE users ADD COLUMN c text;\nCOMMIT;\n")}
	fsys["000004_transactions.down.sql"] = &fstest.MapFile{Data: []byte(`ALTER TABLE users DROP COLUMN b, DROP COLUMN c;`)}
	// Strict mode blocks every change until promoted: allowed here, as a
	// promotion would.
	res, err := runner(t, url, fsys, guard.WithContract(path), guard.WithAllowBreaking()).Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 3, len(res.Applied))
	for _, w := range res.Warnings {
		assert.NotContains(t, w, "enforce")
	}
	var cols int
	assert.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'users'`).Scan(&cols))
	assert.Equal(t, 5, cols)

	// Synced after the run: the new index is now the locked table's.
	assert.Equal(t, enforce.SQLState, sqlStateOf(exec(`DROP INDEX users_email_idx`)))
	st, err := runner(t, url, fsys, guard.WithContract(path)).Status(ctx)
	assert.NoError(t, err)
	assert.NotZero(t, st.Enforcement)
	assert.True(t, st.Enforcement.InSync)

	// The pass is gone after the run.
	var passes int
	assert.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM guard_enforce.passes`).Scan(&passes))
	assert.Equal(t, 0, passes)

	// The contract file changes: migrate status says the copy differs.
	c.SetMode(contract.ModeAuto)
	assert.NoError(t, c.Save(path))
	st, err = runner(t, url, fsys, guard.WithContract(path)).Status(ctx)
	assert.NoError(t, err)
	assert.False(t, st.Enforcement.InSync)
	assert.Contains(t, st.Warnings[len(st.Warnings)-1], "guard contract enforce sync")
}

// A run without the contract file (a deploy image that lacks it) leaves the
// database's copy as it is, with a warning: syncing the empty contract
// would switch enforcement off.
func TestUpWithoutTheContractFileKeepsTheEnforcedContract(t *testing.T) {
	ctx := context.Background()
	url := pgtest.DB(t)
	fsys := fstest.MapFS{
		"000001_users.up.sql":   {Data: []byte(`CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);`)},
		"000001_users.down.sql": {Data: []byte(`DROP TABLE users;`)},
	}
	_, err := runner(t, url, fsys).Up(ctx, 0)
	assert.NoError(t, err)
	conn := pgtest.Connect(t, url)
	c, _ := lockAndEnforce(t, conn, contract.ModeAuto)

	fsys["000002_bio.up.sql"] = &fstest.MapFile{Data: []byte(`ALTER TABLE users ADD COLUMN bio text;`)}
	fsys["000002_bio.down.sql"] = &fstest.MapFile{Data: []byte(`ALTER TABLE users DROP COLUMN bio;`)}
	res, err := runner(t, url, fsys, guard.WithContract(filepath.Join(t.TempDir(), "missing.json"))).Up(ctx, 0)
	assert.NoError(t, err)
	assert.Contains(t, res.Warnings[len(res.Warnings)-1], "the contract enforced in the database was left as it is")
	st, err := enforce.Status(ctx, conn, c)
	assert.NoError(t, err)
	assert.True(t, st.InSync, "still the contract installed")
	_, err = conn.Exec(ctx, `ALTER TABLE users DROP COLUMN email`)
	assert.Equal(t, enforce.SQLState, sqlStateOf(err))
}

// Behind a transaction pooler, the pass is SET LOCAL in each file's
// transaction too: a promoted change passes; a file run outside a
// transaction (CREATE INDEX CONCURRENTLY), on a session no setting reaches,
// passes by the application_name its session carries (strict mode rejects
// the same index made by hand).
func TestUpThroughAPoolerPassesContractEnforcement(t *testing.T) {
	ctx := context.Background()
	url := pgtest.DB(t)
	pooled := pgtest.PgBouncer(t, url)
	fsys := fstest.MapFS{
		"000001_users.up.sql":   {Data: []byte(`CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);`)},
		"000001_users.down.sql": {Data: []byte(`DROP TABLE users;`)},
	}
	_, err := runner(t, pooled, fsys).Up(ctx, 0)
	assert.NoError(t, err)
	conn := pgtest.Connect(t, url)
	_, path := lockAndEnforce(t, conn, contract.ModeStrict)

	fsys["000002_bio.up.sql"] = &fstest.MapFile{Data: []byte(`ALTER TABLE users ADD COLUMN bio text;`)}
	fsys["000002_bio.down.sql"] = &fstest.MapFile{Data: []byte(`ALTER TABLE users DROP COLUMN bio;`)}
	fsys["000003_email_idx.up.sql"] = &fstest.MapFile{Data: []byte(`CREATE INDEX CONCURRENTLY users_email_idx ON users (email);`)}
	fsys["000003_email_idx.down.sql"] = &fstest.MapFile{Data: []byte(`DROP INDEX CONCURRENTLY users_email_idx;`)}
	_, err = conn.Exec(ctx, `ALTER TABLE users ADD COLUMN bio text`)
	assert.Equal(t, enforce.SQLState, sqlStateOf(err))
	_, err = conn.Exec(ctx, `CREATE INDEX CONCURRENTLY users_email_by_hand ON users (email)`, pgx.QueryExecModeSimpleProtocol)
	assert.Equal(t, enforce.SQLState, sqlStateOf(err))
	_, err = conn.Exec(ctx, `DROP INDEX IF EXISTS users_email_by_hand`) // invalid, left by the rejected build
	assert.NoError(t, err)
	res, err := runner(t, pooled, fsys, guard.WithContract(path), guard.WithAllowBreaking()).Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 2, len(res.Applied))
	assert.True(t, query[bool](t, url, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass`))
	for _, w := range res.Warnings {
		assert.NotContains(t, w, "enforce")
	}
}
