package source_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/migrations"
)

func mapFS(names ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, n := range names {
		fsys[n] = &fstest.MapFile{Data: []byte("SELECT 1;")}
	}
	return fsys
}

func load(t *testing.T, names ...string) *source.Source {
	t.Helper()
	src, err := source.Load(mapFS(names...), ".", "test")
	assert.NoError(t, err)
	return src
}

func TestLoadSortsAndPairs(t *testing.T) {
	src := load(t, "10_c.up.sql", "2_b.up.sql", "2_b.down.sql", "1_a.up.sql", "1_a.down.sql", "README.md", "guard.sum")
	assert.Equal(t, []source.Migration{
		{Version: 1, Name: "a", Up: "1_a.up.sql", Down: "1_a.down.sql"},
		{Version: 2, Name: "b", Up: "2_b.up.sql", Down: "2_b.down.sql"},
		{Version: 10, Name: "c", Up: "10_c.up.sql"},
	}, src.Migrations)
	assert.Equal(t, source.V(10), src.Head())
	m, ok := src.Find(source.V(2))
	assert.True(t, ok)
	assert.Equal(t, "2_b", m.Label())
	_, ok = src.Find(source.V(3))
	assert.False(t, ok)
	_, ok = src.Find(source.None)
	assert.False(t, ok, "None is never found")
	assert.Equal(t, 2, len(src.Upto(source.V(1), source.V(10))))
	assert.Equal(t, 3, len(src.Upto(source.None, src.Head())))
	assert.True(t, src.Has(source.None))
	assert.True(t, src.Has(source.V(10)))
	assert.False(t, src.Has(source.V(3)))
}

func TestLoadFromASubdirectory(t *testing.T) {
	fsys := fstest.MapFS{"db/migrations/1_a.up.sql": {Data: []byte("CREATE TABLE a (id int);")}}
	src, err := source.Load(fsys, "db/migrations", "embedded")
	assert.NoError(t, err)
	b, err := src.Read("1_a.up.sql")
	assert.NoError(t, err)
	assert.Equal(t, "CREATE TABLE a (id int);", string(b))
	_, err = source.Load(fsys, "db/nothere", "embedded")
	assert.IsError(t, err, source.ErrNoDirectory)
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fsys  fstest.MapFS
		want  error
		file  string
		inMsg string
	}{
		{"skipped name no title", mapFS("1_a.up.sql", "2.up.sql"), source.ErrSkippedFile, "2.up.sql", ""},
		{"skipped name dash", mapFS("1_a.up.sql", "002-add.up.sql"), source.ErrSkippedFile, "002-add.up.sql", ""},
		{"skipped name no direction", mapFS("1_a.up.sql", "2_add.sql"), source.ErrSkippedFile, "2_add.sql", ""},
		{"duplicate up", mapFS("1_a.up.sql", "1_b.up.sql"), source.ErrDuplicateVersion, "", "1_a.up.sql"},
		{"duplicate padded", mapFS("1_a.up.sql", "001_a.up.sql"), source.ErrDuplicateVersion, "", "version 1"},
		{"two down files", mapFS("1_a.up.sql", "1_a.down.sql", "1_b.down.sql"), source.ErrDuplicateVersion, "1_b.down.sql", "version 1 down"},
		{"down without up", mapFS("1_a.up.sql", "2_b.down.sql"), source.ErrMissingUp, "2_b.down.sql", ""},
		{"empty", mapFS("README.md"), source.ErrEmpty, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := source.Load(tc.fsys, ".", "migrations")
			assert.IsError(t, err, tc.want)
			var se *source.Error
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
	_, err := source.Load(mapFS("99999999999999999999_huge.up.sql"), ".", "migrations")
	var se *source.Error
	assert.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, "99999999999999999999_huge.up.sql", se.File)
	assert.Contains(t, err.Error(), "64 bits")
}

// golang-migrate pairs an up and a down file by version and direction,
// whatever their titles: so does Load. The migration is named by its up
// file; its down file keeps its own name.
func TestLoadPairsTitlesThatDiffer(t *testing.T) {
	src := load(t, "1_init.up.sql", "1_init.down.sql", "2_add_c.up.sql", "2_drop_c.down.sql", "3_x.up.sql")
	assert.Equal(t, []source.Migration{
		{Version: 1, Name: "init", Up: "1_init.up.sql", Down: "1_init.down.sql"},
		{Version: 2, Name: "add_c", Up: "2_add_c.up.sql", Down: "2_drop_c.down.sql"},
		{Version: 3, Name: "x", Up: "3_x.up.sql"},
	}, src.Migrations)
	m, _ := src.Find(source.V(2))
	assert.Equal(t, "drop_c", m.DownTitle())
	assert.Equal(t, "2_add_c", m.Label())
	assert.Equal(t, "init", src.Migrations[0].DownTitle())
	assert.Equal(t, "", src.Migrations[2].DownTitle())
	down := src.DownSteps(source.V(3), source.V(1))
	assert.Equal(t, 2, len(down))
	assert.Equal(t, "2_drop_c.down.sql", down[1].File)
	assert.Equal(t, "2_drop_c", down[1].Label())
	assert.Equal(t, "add_c", down[1].Name)
}

// With several bad files, the error names the one of the lowest version
// (not the first by name, nor a random one of a map), every time.
func TestLoadNamesTheLowestBadFile(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  error
		file  string
	}{
		// By name, 02_c < 10_a < 10_b < 2_c < 9_x.
		{"duplicates", []string{"10_a.up.sql", "10_b.up.sql", "02_c.up.sql", "2_c.up.sql", "9_x.up.sql"}, source.ErrDuplicateVersion, "2_c.up.sql"},
		{"downs without ups", []string{"1_a.up.sql", "7_c.down.sql", "5_a.down.sql", "30_b.down.sql", "3_b.down.sql", "4_d.down.sql"}, source.ErrMissingUp, "3_b.down.sql"},
		{"mixed", []string{"1_a.up.sql", "8_a.up.sql", "8_b.up.sql", "6_x.down.sql", "5.up.sql", "12_q.sql"}, source.ErrSkippedFile, "5.up.sql"},
		{"mixed kinds, lowest is a missing up", []string{"1_a.up.sql", "8_a.up.sql", "8_b.up.sql", "6_x.down.sql", "12_q.sql"}, source.ErrMissingUp, "6_x.down.sql"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 50 {
				_, err := source.Load(mapFS(tc.files...), ".", "migrations")
				assert.IsError(t, err, tc.want)
				var se *source.Error
				assert.True(t, errors.As(err, &se))
				assert.Equal(t, tc.file, se.File)
			}
		})
	}
}

func TestParseFileName(t *testing.T) {
	f, ok, err := source.ParseFileName("000004_rename_email.down.sql")
	assert.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, source.FileName{Version: 4, Title: "rename_email", Direction: source.Down, Ext: "sql"}, f)
	for _, name := range []string{"4.up.sql", "x_4.up.sql", "4_a.sql", "README.md"} {
		_, ok, err := source.ParseFileName(name)
		assert.NoError(t, err, name)
		assert.False(t, ok, name)
	}
	_, ok, err = source.ParseFileName("18446744073709551616_a.up.sql")
	assert.True(t, ok)
	assert.Error(t, err)
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	assert.NoError(t, os.WriteFile(filepath.Join(dir, "1_init.up.sql"), []byte("CREATE TABLE t (id int);"), 0o644))
	for _, spec := range []string{dir, "file://" + dir} {
		src, err := source.Open(spec)
		assert.NoError(t, err)
		assert.Equal(t, spec, src.Name)
		b, err := src.Read("1_init.up.sql")
		assert.NoError(t, err)
		assert.Equal(t, "CREATE TABLE t (id int);", string(b))
	}
	_, err := source.Open(filepath.Join(dir, "missing"))
	assert.IsError(t, err, source.ErrNoDirectory)
	_, err = source.Open("s3://bucket/x")
	assert.Error(t, err)
	_, err = source.Open("file://")
	assert.Error(t, err)
	_, err = source.Open(filepath.Join(dir, "1_init.up.sql"))
	assert.Error(t, err)
}

func TestReadNamesTheFile(t *testing.T) {
	src := load(t, "1_a.up.sql")
	_, err := src.Read("2_b.up.sql")
	var se *source.Error
	assert.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, "2_b.up.sql", se.File)
}

func TestExampleHistoryLoads(t *testing.T) {
	src, err := source.Load(migrations.FS, ".", "migrations")
	assert.NoError(t, err)
	assert.Equal(t, source.V(6), src.Head())
	for _, m := range src.Migrations {
		assert.NotEqual(t, "", m.Down, "every example migration has a down file: %s", m.Up)
	}
}

func TestVersion(t *testing.T) {
	var zero source.Version
	assert.True(t, zero.IsNone(), "the zero value is None")
	assert.Equal(t, source.None, zero)
	assert.False(t, source.V(0).IsNone(), "version 0 is a version")
	assert.NotEqual(t, source.None, source.V(0))

	n, ok := source.V(7).Get()
	assert.Equal(t, [2]any{uint64(7), true}, [2]any{n, ok})
	_, ok = source.None.Get()
	assert.False(t, ok)

	assert.Equal(t, int64(-1), source.None.Int())
	assert.Equal(t, int64(7), source.V(7).Int())
	assert.Equal(t, source.None, source.FromInt(-1))
	assert.Equal(t, source.V(0), source.FromInt(0))
	assert.Zero(t, source.None.Ptr())
	assert.Equal(t, uint64(7), *source.V(7).Ptr())
	assert.Equal(t, source.None, source.FromPtr(nil))
	seven := uint64(7)
	assert.Equal(t, source.V(7), source.FromPtr(&seven))

	assert.Equal(t, "none", source.None.String())
	assert.Equal(t, "7", source.V(7).String())

	ordered := []source.Version{source.None, source.V(0), source.V(1), source.V(10)}
	for i, v := range ordered {
		for j, w := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			assert.Equal(t, want, v.Compare(w), "%s vs %s", v, w)
			assert.Equal(t, i < j, v.Less(w), "%s < %s", v, w)
		}
	}
}

func TestVersionJSON(t *testing.T) {
	type doc struct {
		V source.Version `json:"v"`
	}
	for _, tc := range []struct {
		v    source.Version
		json string
	}{
		{source.None, `{"v":null}`},
		{source.V(0), `{"v":0}`},
		{source.V(20260304050607), `{"v":20260304050607}`},
	} {
		b, err := json.Marshal(doc{tc.v})
		assert.NoError(t, err)
		assert.Equal(t, tc.json, string(b))
		var back doc
		assert.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, tc.v, back.V)
	}
	var d doc
	assert.Error(t, json.Unmarshal([]byte(`{"v":"3"}`), &d))
	assert.Error(t, json.Unmarshal([]byte(`{"v":-1}`), &d))
}

func TestPrevAndNext(t *testing.T) {
	src := load(t, "1_a.up.sql", "2_b.up.sql", "10_c.up.sql")
	for _, tc := range []struct {
		v, prev, next source.Version
		hasNext       bool
	}{
		{source.None, source.None, source.V(1), true},
		{source.V(1), source.None, source.V(2), true},
		{source.V(2), source.V(1), source.V(10), true},
		{source.V(5), source.V(2), source.V(10), true}, // not in the source
		{source.V(10), source.V(2), source.None, false},
		{source.V(11), source.V(10), source.None, false},
	} {
		assert.Equal(t, tc.prev, src.Prev(tc.v), "Prev(%s)", tc.v)
		next, ok := src.Next(tc.v)
		assert.Equal(t, [2]any{tc.next, tc.hasNext}, [2]any{next, ok}, "Next(%s)", tc.v)
	}
}

// steps names steps as "file→to" for comparison.
func steps(sts []source.Step) []string {
	out := []string{}
	for _, st := range sts {
		out = append(out, st.File+"→"+st.To.String())
	}
	return out
}

func TestSteps(t *testing.T) {
	src := load(t, "1_a.up.sql", "1_a.down.sql", "2_b.up.sql", "2_b.down.sql", "10_c.up.sql")
	none, v1, v2, v10 := source.None, source.V(1), source.V(2), source.V(10)

	assert.Equal(t, []string{"1_a.up.sql→1", "2_b.up.sql→2", "10_c.up.sql→10"}, steps(src.UpSteps(none, src.Head())))
	assert.Equal(t, []string{"2_b.up.sql→2"}, steps(src.UpSteps(v1, v2)))
	assert.Equal(t, []string{}, steps(src.UpSteps(v10, v10)))

	// Down: newest first, each to the version before it; a migration
	// without down file is a step without file.
	assert.Equal(t, []string{"→2", "2_b.down.sql→1", "1_a.down.sql→none"}, steps(src.DownSteps(v10, none)))
	assert.Equal(t, []string{"2_b.down.sql→1"}, steps(src.DownSteps(v2, v1)))
	assert.Equal(t, []string{}, steps(src.DownSteps(v1, v1)))

	assert.Equal(t, steps(src.UpSteps(v1, v10)), steps(src.Steps(v1, v10)))
	assert.Equal(t, steps(src.DownSteps(v10, v1)), steps(src.Steps(v10, v1)))
	assert.Equal(t, []string{}, steps(src.Steps(v2, v2)))

	up := src.UpSteps(v1, v2)[0]
	assert.Equal(t, source.Step{Version: 2, Name: "b", File: "2_b.up.sql", Direction: source.Up, To: v2}, up)
	assert.Equal(t, v1, up.From(src))
	assert.Equal(t, "2_b", up.Label())
	down := src.DownSteps(v2, v1)[0]
	assert.Equal(t, source.Step{Version: 2, Name: "b", File: "2_b.down.sql", Direction: source.Down, To: v1}, down)
	assert.Equal(t, v2, down.From(src))
	assert.Equal(t, none, src.UpSteps(none, v1)[0].From(src))

	// A step marshals as its version, name, file and direction.
	b, err := json.Marshal(up)
	assert.NoError(t, err)
	assert.Equal(t, `{"version":2,"name":"b","file":"2_b.up.sql","direction":"up"}`, string(b))

	m, _ := src.Find(v10)
	assert.Equal(t, "", m.File(source.Down))
	assert.Equal(t, "10_c.up.sql", m.File(source.Up))
	assert.Equal(t, source.UpStep(m), src.UpSteps(v2, v10)[0])
}

func TestParseTable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		quoted bool
		want   source.Table
		sql    string
		key    string
	}{
		{"schema_migrations", false, source.DefaultTable(), `"schema_migrations"`, "schema_migrations"},
		{"meta.versions", false, source.Table{Name: "meta.versions"}, `"meta.versions"`, "meta.versions"},
		{`"Versions"`, true, source.Table{Name: "Versions"}, `"Versions"`, "Versions"},
		{`"meta"."Versions"`, true, source.Table{Schema: "meta", Name: "Versions"}, `"meta"."Versions"`, `"meta"."Versions"`},
	} {
		got, err := source.ParseTable(tc.name, tc.quoted)
		assert.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
		assert.Equal(t, tc.sql, got.String(), tc.name)
		assert.Equal(t, tc.key, got.Key(), tc.name)
	}
	for _, bad := range []struct {
		name   string
		quoted bool
	}{
		{"", false}, {"  ", true}, {"meta.versions", true}, {`"a"."b"."c"`, true}, {`"`, true},
	} {
		_, err := source.ParseTable(bad.name, bad.quoted)
		assert.Error(t, err, "%q quoted=%t", bad.name, bad.quoted)
	}

	// guard's --migrations-table is quoted when it starts with a quote.
	got, err := source.ParseTableName(`"ops"."v"`)
	assert.NoError(t, err)
	assert.Equal(t, source.Table{Schema: "ops", Name: "v"}, got)
	got, err = source.ParseTableName("ops.v")
	assert.NoError(t, err)
	assert.Equal(t, source.Table{Name: "ops.v"}, got)

	assert.Equal(t, source.Table{Schema: "public", Name: "v"}, source.Table{Name: "v"}.In("public"))
	assert.Equal(t, source.Table{Schema: "ops", Name: "v"}, source.Table{Schema: "ops", Name: "v"}.In("public"))
}

func TestReadAheadServesTheFilesAsTheyWere(t *testing.T) {
	fsys := fstest.MapFS{
		"1_a.up.sql":   {Data: []byte("CREATE TABLE a (id int);")},
		"1_a.down.sql": {Data: []byte("DROP TABLE a;")},
	}
	src, err := source.Load(fsys, ".", "m")
	assert.NoError(t, err)
	ahead := src.ReadAhead()
	fsys["1_a.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE b (id int);")}
	fsys["1_a.down.sql"] = &fstest.MapFile{Data: []byte("DROP TABLE b;")}
	b, err := ahead.Read("1_a.up.sql")
	assert.NoError(t, err)
	assert.Equal(t, "CREATE TABLE a (id int);", string(b), "up files are read ahead")
	b, err = ahead.Read("1_a.down.sql")
	assert.NoError(t, err)
	assert.Equal(t, "DROP TABLE b;", string(b), "down files are not")
	b, err = src.Read("1_a.up.sql")
	assert.NoError(t, err)
	assert.Equal(t, "CREATE TABLE b (id int);", string(b), "the original source is untouched")
	// What a reader does with the bytes is its own business.
	b[0] = 'X'
	b, err = ahead.Read("1_a.up.sql")
	assert.NoError(t, err)
	assert.Equal(t, "CREATE TABLE a (id int);", string(b))
	// Opened the way golang-migrate's iofs opens them.
	f, err := ahead.FS.Open("1_a.up.sql")
	assert.NoError(t, err)
	defer f.Close()
	b, err = io.ReadAll(f)
	assert.NoError(t, err)
	assert.Equal(t, "CREATE TABLE a (id int);", string(b))
	st, err := f.Stat()
	assert.NoError(t, err)
	assert.Equal(t, [2]any{"1_a.up.sql", int64(24)}, [2]any{st.Name(), st.Size()})
}
