package sumfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sumfile"
)

func history() fstest.MapFS {
	return fstest.MapFS{
		"10_ten.up.sql":     {Data: []byte("CREATE TABLE ten ();\n")},
		"2_two.up.sql":      {Data: []byte("CREATE TABLE two ();\n")},
		"2_two.down.sql":    {Data: []byte("DROP TABLE two;\n")},
		"1_one.down.sql":    {Data: []byte("DROP TABLE one;\n")},
		"1_one.up.sql":      {Data: []byte("CREATE TABLE one ();\n")},
		"README.md":         {Data: []byte("not a migration")},
		sumfile.DefaultName: {Data: []byte("ignored by the source")},
	}
}

func compute(t *testing.T, fsys fstest.MapFS) *sumfile.File {
	t.Helper()
	src, err := source.Load(fsys, ".", "test")
	assert.NoError(t, err)
	f, err := sumfile.Compute(src)
	assert.NoError(t, err)
	return f
}

func TestComputeOrderAndDigests(t *testing.T) {
	f := compute(t, history())
	var names []string
	for _, e := range f.Entries {
		names = append(names, e.File)
	}
	// Version order (10 after 2, unlike name order), up before down.
	assert.Equal(t, []string{"1_one.up.sql", "1_one.down.sql", "2_two.up.sql", "2_two.down.sql", "10_ten.up.sql"}, names)
	// sha256 of "CREATE TABLE one ();\n", as sha256sum prints it.
	assert.Equal(t, "7ce5e93a16105bd12f196d7e73acdb89ee15543a70c88e5e7039a3a3b2afefdc", f.Entries[0].Sum)
	head, ok := f.Head()
	assert.True(t, ok)
	assert.Equal(t, uint64(10), head)
}

func TestBytesAreDeterministicAndRoundTrip(t *testing.T) {
	a, b := compute(t, history()), compute(t, history())
	assert.Equal(t, string(a.Bytes()), string(b.Bytes()))
	back, err := sumfile.Parse("guard.sum", a.Bytes())
	assert.NoError(t, err)
	assert.Equal(t, a.Total, back.Total)
	assert.Equal(t, a.Total, back.Chain())
	assert.Equal(t, len(a.Entries), len(back.Entries))
	assert.Equal(t, 3, back.TotalLine) // after the two header comments
	assert.Equal(t, 4, back.Entries[0].Line)
	assert.True(t, strings.HasPrefix(string(a.Bytes()), "# guard.sum"))
}

func TestTotalChangesWithAnyEntryOrOrder(t *testing.T) {
	base := compute(t, history())
	edited := history()
	edited["2_two.down.sql"] = &fstest.MapFile{Data: []byte("DROP TABLE two CASCADE;\n")}
	assert.NotEqual(t, base.Total, compute(t, edited).Total)

	swapped := *base
	swapped.Entries = append([]sumfile.Entry(nil), base.Entries...)
	swapped.Entries[0], swapped.Entries[1] = swapped.Entries[1], swapped.Entries[0]
	assert.NotEqual(t, base.Total, swapped.Chain())
}

func TestParseErrors(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, text string
		line       int
		reason     string
	}{
		{"no total", digest + "  1_a.up.sql\n", 0, "no total line"},
		{"bad total", "total xyz\n", 1, "total is not 64 hex digits"},
		{"two totals", "total " + digest + "\n\ntotal " + digest + "\n", 3, "second total line"},
		{"bad digest", "total " + digest + "\nABC  1_a.up.sql\n", 2, "digest is not 64 hex digits"},
		{"one space", "total " + digest + "\n" + digest + " 1_a.up.sql\n", 2, "want `DIGEST  FILE`"},
		{"not a migration", "total " + digest + "\n" + digest + "  notes.sql\n", 2, "is not a migration file name"},
		{"twice", "total " + digest + "\n" + digest + "  1_a.up.sql\n" + digest + "  1_a.up.sql\n", 3, "listed twice (first on line 2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sumfile.Parse("guard.sum", []byte(tc.text))
			var pe *sumfile.ParseError
			assert.True(t, errors.As(err, &pe), "%v", err)
			assert.Equal(t, tc.line, pe.Line)
			assert.Contains(t, pe.Error(), tc.reason)
			assert.Contains(t, pe.Hint(), "guard migrate hash")
		})
	}
}

func TestParseIgnoresCommentsBlankLinesAndCR(t *testing.T) {
	digest := strings.Repeat("0f", 32)
	f, err := sumfile.Parse("guard.sum", []byte("# hello\r\n\r\ntotal "+digest+"\r\n"+digest+"  1_a.up.sql\r\n"))
	assert.NoError(t, err)
	assert.Equal(t, 1, len(f.Entries))
	assert.Equal(t, "1_a.up.sql", f.Entries[0].File)
	assert.Equal(t, 4, f.Entries[0].Line)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		assert.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
}

func TestHashWritesTheFolder(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 2;"})
	f, err := sumfile.Hash(dir, "")
	assert.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, sumfile.DefaultName))
	assert.NoError(t, err)
	assert.Equal(t, string(f.Bytes()), string(b))
	assert.Equal(t, 2, len(f.Entries))

	// A bad folder is the source's error, with its hint.
	writeFiles(t, dir, map[string]string{"oops.sql": "SELECT 3;"})
	_, err = sumfile.Hash(dir, "")
	assert.True(t, errors.Is(err, source.ErrSkippedFile), "%v", err)
}

func TestRecordAddsOnlyNewerFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"1_a.up.sql": "SELECT 1;", "3_c.up.sql": "SELECT 3;"})
	_, err := sumfile.Hash(dir, "")
	assert.NoError(t, err)

	// No changes to what is recorded, even when a file was edited.
	writeFiles(t, dir, map[string]string{
		"1_a.up.sql":   "SELECT 'edited';",
		"2_b.up.sql":   "SELECT 2;", // out of order: stays out, for verify to see
		"4_d.up.sql":   "SELECT 4;", // newer: recorded
		"4_d.down.sql": "",          // empty placeholder: not recorded
		"5_e.up.sql":   "",          // just created: excluded by name
		"5_e.down.sql": "",
	})
	added, err := sumfile.Record(dir, "", filepath.Join(dir, "5_e.up.sql"), filepath.Join(dir, "5_e.down.sql"))
	assert.NoError(t, err)
	assert.Equal(t, []string{"4_d.up.sql"}, added)

	f, err := sumfile.Read(os.DirFS(dir), sumfile.DefaultName)
	assert.NoError(t, err)
	var names []string
	for _, e := range f.Entries {
		names = append(names, e.File)
	}
	assert.Equal(t, []string{"1_a.up.sql", "3_c.up.sql", "4_d.up.sql"}, names)
	assert.Equal(t, sumfile.Digest([]byte("SELECT 1;")), f.Entries[0].Sum)
	assert.Equal(t, f.Chain(), f.Total)
}

func TestRecordWithoutSumFileDoesNothing(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"1_a.up.sql": "SELECT 1;"})
	added, err := sumfile.Record(dir, "")
	assert.NoError(t, err)
	assert.Equal(t, 0, len(added))
	_, err = os.Stat(filepath.Join(dir, sumfile.DefaultName))
	assert.True(t, errors.Is(err, os.ErrNotExist))
}
