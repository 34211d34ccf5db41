package migrator_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/migrations"
)

func mapFS(names ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, n := range names {
		fsys[n] = &fstest.MapFile{Data: []byte("SELECT 1;")}
	}
	return fsys
}

func TestLoadSortsAndPairs(t *testing.T) {
	src, err := migrator.Load(mapFS(
		"10_c.up.sql", "2_b.up.sql", "2_b.down.sql", "1_a.up.sql", "1_a.down.sql", "README.md", "guard.sum",
	), ".", "test")
	assert.NoError(t, err)
	assert.Equal(t, []migrator.Migration{
		{Version: 1, Name: "a", Up: "1_a.up.sql", Down: "1_a.down.sql"},
		{Version: 2, Name: "b", Up: "2_b.up.sql", Down: "2_b.down.sql"},
		{Version: 10, Name: "c", Up: "10_c.up.sql"},
	}, src.Migrations)
	assert.Equal(t, uint64(10), src.Head())
	m, ok := src.Find(2)
	assert.True(t, ok)
	assert.Equal(t, "2_b", m.Label())
	_, ok = src.Find(3)
	assert.False(t, ok)
	assert.Equal(t, 2, len(src.Upto(1, 10)))
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fsys  fstest.MapFS
		want  error
		file  string
		inMsg string
	}{
		{"skipped name no title", mapFS("1_a.up.sql", "2.up.sql"), migrator.ErrSkippedFile, "2.up.sql", ""},
		{"skipped name dash", mapFS("1_a.up.sql", "002-add.up.sql"), migrator.ErrSkippedFile, "002-add.up.sql", ""},
		{"skipped name no direction", mapFS("1_a.up.sql", "2_add.sql"), migrator.ErrSkippedFile, "2_add.sql", ""},
		{"duplicate up", mapFS("1_a.up.sql", "1_b.up.sql"), migrator.ErrDuplicateVersion, "", "1_a.up.sql"},
		{"duplicate padded", mapFS("1_a.up.sql", "001_a.up.sql"), migrator.ErrDuplicateVersion, "", "version 1"},
		{"down without up", mapFS("1_a.up.sql", "2_b.down.sql"), migrator.ErrMissingUp, "2_b.down.sql", ""},
		{"empty", mapFS("README.md"), migrator.ErrEmpty, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := migrator.Load(tc.fsys, ".", "migrations")
			assert.IsError(t, err, tc.want)
			var se *migrator.SourceError
			assert.True(t, errors.As(err, &se))
			assert.NotEqual(t, "", se.Hint(), "every source error has advice")
			if tc.file != "" {
				assert.Equal(t, tc.file, se.File)
			}
			if tc.inMsg != "" {
				assert.Contains(t, err.Error()+se.Hint(), tc.inMsg)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	assert.NoError(t, os.WriteFile(filepath.Join(dir, "1_init.up.sql"), []byte("CREATE TABLE t (id int);"), 0o644))
	for _, spec := range []string{dir, "file://" + dir} {
		src, err := migrator.Open(spec)
		assert.NoError(t, err)
		b, err := src.Read("1_init.up.sql")
		assert.NoError(t, err)
		assert.Equal(t, "CREATE TABLE t (id int);", string(b))
	}
	_, err := migrator.Open(filepath.Join(dir, "missing"))
	assert.IsError(t, err, migrator.ErrNoDirectory)
	_, err = migrator.Open("s3://bucket/x")
	assert.Error(t, err)
	_, err = migrator.Open(filepath.Join(dir, "1_init.up.sql"))
	assert.Error(t, err)
}

func TestExampleHistoryLoads(t *testing.T) {
	src, err := migrator.Load(migrations.FS, ".", "migrations")
	assert.NoError(t, err)
	assert.Equal(t, uint64(6), src.Head())
	for _, m := range src.Migrations {
		assert.NotEqual(t, "", m.Down, "every example migration has a down file: %s", m.Up)
	}
}
