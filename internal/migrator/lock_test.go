package migrator_test

import (
	"errors"
	"net/url"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/pgtest"
)

// golang-migrate's lock held by another process, with the session's
// lock_timeout shorter than the lock wait: the driver's pg_advisory_lock
// ends on lock_timeout, which is ErrLockTimeout (nothing ran), not a failed
// file.
func TestLockHeldElsewhereIsErrLockTimeout(t *testing.T) {
	src := load(t, fstest.MapFS{"1_a.up.sql": {Data: []byte("CREATE TABLE a (id int);\n")}})
	dbURL := pgtest.DB(t)
	conn := pgtest.Connect(t, dbURL)
	ctx := t.Context()
	var db, sch string
	assert.NoError(t, conn.QueryRow(ctx, `SELECT current_database(), current_schema()`).Scan(&db, &sch))
	id, err := migrator.LockID(db, source.DefaultTable().In(sch))
	assert.NoError(t, err)
	_, err = conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, id)
	assert.NoError(t, err)

	u, err := url.Parse(dbURL)
	assert.NoError(t, err)
	q := u.Query()
	q.Set("lock_timeout", "100ms")
	u.RawQuery = q.Encode()
	d := openDB(t, u.String(), src, migrator.WithLockTimeout(time.Minute))
	err = d.Run(ctx, src.UpSteps(source.None, src.Head())[0])
	assert.IsError(t, err, migrator.ErrLockTimeout)
	var fe *source.FileError
	assert.False(t, errors.As(err, &fe), "not a failed file: %v", err)
	v, dirty := version(t, d)
	assert.True(t, v.IsNone())
	assert.False(t, dirty)
	assert.False(t, slices.Contains(tables(t, dbURL), "a"))

	// Released: the same DB runs the step.
	_, err = conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, id)
	assert.NoError(t, err)
	assert.NoError(t, d.Run(ctx, src.UpSteps(source.None, src.Head())[0]))
}
