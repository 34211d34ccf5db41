package pgcluster_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/internal/pgcluster"
	"github.com/schemaguard/guard/internal/pgtest"
)

func start(t *testing.T, opts ...pgcluster.Option) *pgcluster.Cluster {
	t.Helper()
	if _, err := pgcluster.BinDir(); err != nil {
		pgtest.SkipOrFail(t, "%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgcluster.Start(ctx, opts...)
	assert.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

func TestStartQueryStop(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	assert.NoError(t, err)
	var user string
	assert.NoError(t, conn.QueryRow(ctx, "SELECT current_user").Scan(&user))
	assert.Equal(t, "postgres", user)
	assert.NoError(t, conn.Close(ctx))

	dir := c.Dir()
	assert.NoError(t, c.Stop())
	assert.NoError(t, c.Stop(), "idempotent")
	_, err = os.Stat(dir)
	assert.True(t, errors.Is(err, os.ErrNotExist), "directory removed")
	_, err = pgx.Connect(ctx, c.URL("postgres"))
	assert.Error(t, err)
}

func TestPasswordAuthentication(t *testing.T) {
	const pw = "p@ss%w/o:rd"
	c := start(t, pgcluster.WithPassword(pw))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	assert.NoError(t, err)
	assert.NoError(t, conn.Close(ctx))

	wrong := strings.Replace(c.URL("postgres"), "//postgres:", "//postgres:wrong", 1)
	_, err = pgx.Connect(ctx, wrong)
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr), "got %v", err)
	assert.Equal(t, "28P01", pgErr.Code)
}

func TestCollectLeftoversRemovesDeadClustersOnly(t *testing.T) {
	live := start(t)
	// Directories of this test's own (other processes' clusters live beside
	// them), removed in any case.
	dead, err := os.MkdirTemp("", "guard-pg-deadtest")
	assert.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dead) })
	assert.NoError(t, os.MkdirAll(filepath.Join(dead, "data"), 0o700))
	// A pid that cannot be running.
	assert.NoError(t, os.WriteFile(filepath.Join(dead, "data", "postmaster.pid"), []byte("2147483646\n"), 0o600))
	old := time.Now().Add(-time.Hour)
	assert.NoError(t, os.Chtimes(filepath.Join(dead, "data"), old, old))
	assert.NoError(t, os.Chtimes(dead, old, old))
	fresh, err := os.MkdirTemp("", "guard-pg-freshtest")
	assert.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(fresh) })
	assert.NoError(t, os.MkdirAll(filepath.Join(fresh, "data"), 0o700))
	pgcluster.CollectLeftovers()
	_, err = os.Stat(dead)
	assert.True(t, errors.Is(err, os.ErrNotExist), "dead cluster directory collected")
	_, err = os.Stat(live.Dir())
	assert.NoError(t, err, "running cluster kept")
	_, err = os.Stat(fresh)
	assert.NoError(t, err, "a cluster still being initialised is kept")
}

func TestClusterDirectoryHonoursGUARD_PG_TMPDIR(t *testing.T) {
	// Not t.TempDir(): its parent is private to root, and the server runs
	// as the postgres user.
	base, err := os.MkdirTemp("", "pgtmpdir-")
	assert.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	assert.NoError(t, os.Chmod(base, 0o755))
	t.Setenv("GUARD_PG_TMPDIR", base)
	c := start(t)
	assert.Equal(t, base, filepath.Dir(c.Dir()))
}
