package guard_test

import (
	"context"
	"errors"
	"io/fs"
	neturl "net/url"
	"testing"

	"github.com/alecthomas/assert/v2"
	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
)

// failWithGolangMigrate runs every file of fsys with plain golang-migrate
// and expects it to fail: the version is left dirty.
func failWithGolangMigrate(t testing.TB, url string, fsys fs.FS) {
	t.Helper()
	src, err := iofs.New(fsys, ".")
	assert.NoError(t, err)
	u, err := neturl.Parse(url)
	assert.NoError(t, err)
	u.Scheme = "pgx5"
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	assert.NoError(t, err)
	assert.Error(t, m.Up())
	srcErr, dbErr := m.Close()
	assert.NoError(t, srcErr)
	assert.NoError(t, dbErr)
}

// A file that runs in one transaction and failed half-way was rolled back:
// the live schema is the version before it, "not applied", not "cannot
// diagnose".
func TestFailedTransactionalFileIsNotApplied(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	fsys := files("1_a.up.sql", "CREATE TABLE a (id int);",
		"2_b.up.sql", "CREATE TABLE b (id int);\nSELECT 1/0;",
		"3_z.up.sql", "CREATE TABLE z (id int);")
	failWithGolangMigrate(t, url, fsys)
	v, dirty := version(t, url)
	assert.Equal(t, int64(2), v)
	assert.True(t, dirty)

	r := runner(t, url, fsys)
	st, err := r.Status(ctx)
	assert.NoError(t, err)
	assert.NotZero(t, st.Diagnosis, "%v", st.Warnings)
	assert.Equal(t, guard.StateNotApplied, st.Diagnosis.State, st.Diagnosis.Message)
	assert.True(t, st.Diagnosis.Recoverable)
	assert.Equal(t, source.V(1), st.Diagnosis.RecoverTo)
	assert.Contains(t, st.Diagnosis.Candidates[1].Unreachable, "division by zero")

	_, err = r.Up(ctx, 0)
	var de *guard.DirtyError
	assert.True(t, errors.As(err, &de), "%v", err)
	assert.Equal(t, guard.StateNotApplied, de.Diagnosis.State)
	_, dirty = version(t, url)
	assert.True(t, dirty)
}
