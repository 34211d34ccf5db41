package verify_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sumfile"
	"github.com/schemaguard/guard/verify"
)

// longHistory is 30 versions, each creating a table with a down file that
// drops it, except versions 5 and 22 (no down file); edit replaces files.
// Version 1 creates contract_blocked's users table, 15 adds its bio column
// and 27 renames its email column (the contract's blocked change).
func longHistory(t *testing.T, edit map[string]string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	put := func(name, sql string) { fsys[name] = &fstest.MapFile{Data: []byte(sql)} }
	for v := 1; v <= 30; v++ {
		up, down := fmt.Sprintf("%02d_t.up.sql", v), fmt.Sprintf("%02d_t.down.sql", v)
		put(up, fmt.Sprintf("CREATE TABLE t%d (id int PRIMARY KEY, v text);", v))
		if v != 5 && v != 22 {
			put(down, fmt.Sprintf("DROP TABLE t%d;", v))
		}
	}
	blocked := filepath.Join(testdata, "contract_blocked", "migrations")
	for v, name := range map[int]string{1: "000001_create_users", 15: "000003_add_users_bio", 27: "000004_rename_users_email"} {
		for _, dir := range []string{"up", "down"} {
			body := must(os.ReadFile(filepath.Join(blocked, name+"."+dir+".sql")))
			put(fmt.Sprintf("%02d_t.%s.sql", v, dir), string(body))
		}
	}
	for name, sql := range edit {
		put(name, sql)
	}
	src, err := source.Load(fsys, ".", "test")
	assert.NoError(t, err)
	sum, err := sumfile.Compute(src)
	assert.NoError(t, err)
	put("guard.sum", string(sum.Bytes()))
	return fsys
}

// A long history is checked in two ranges at once, each in a shadow
// database of its own, whether it passes, has broken downs early or late,
// or stops early or late: the findings come in check order, then in the
// order of the history, and the report is the one a single range makes
// (TestLongHistory).
func TestLongHistory(t *testing.T) {
	p := provider(t)
	contract := filepath.Join(testdata, "contract_blocked", "guard.contract.json")
	cases := []struct {
		name  string
		edit  map[string]string
		files []string // files of the findings, in order ("": the one line for versions 5 and 22, without down file)
		built int      // shadows replayed in (the second range's cannot be built when the history stops before it)
	}{
		{"passes but for the contract", nil,
			[]string{"", "27_t.up.sql"}, 2},
		{"broken downs early and late", map[string]string{
			"08_t.down.sql": "SELECT 1;",
			"24_t.down.sql": "DROP TABLE t24; DROP TABLE t3;",
		}, []string{"08_t.down.sql", "24_t.down.sql", "", "27_t.up.sql"}, 2},
		{"down fails late", map[string]string{
			"25_t.down.sql": "DROP TABLE nope;",
		}, []string{"25_t.down.sql", "", "27_t.up.sql"}, 2},
		{"stops early", map[string]string{
			"07_t.up.sql":   "CREATE TABLE t7 (id int REFERENCES nope (id));",
			"24_t.down.sql": "SELECT 1;",
		}, []string{"07_t.up.sql", "05_t.up.sql"}, 1},
		{"stops late", map[string]string{
			"12_t.down.sql": "SELECT 1;",
			"26_t.up.sql":   "CREATE TABLE t26 (id int REFERENCES nope (id));",
		}, []string{"26_t.up.sql", "12_t.down.sql", ""}, 2},
		{"stops in a version without a down file", map[string]string{
			"22_t.up.sql": "CREATE TABLE t22 (id int REFERENCES nope (id));",
		}, []string{"22_t.up.sql", ""}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var log bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
			rep, err := verify.Run(context2m(t), load(t, longHistory(t, c.edit)), verify.WithShadowProvider(p),
				verify.WithContract(contract), verify.WithLogger(logger))
			assert.NoError(t, err)
			var files []string
			for _, f := range rep.Findings {
				files = append(files, f.File)
			}
			assert.Equal(t, c.files, files, "%+v", rep.Findings)
			assert.Equal(t, c.built, strings.Count(log.String(), "verify: replaying"), "shadows replayed in")

			one, err := verify.Run(context2m(t), load(t, longHistory(t, c.edit)), verify.WithShadowProvider(p),
				verify.WithContract(contract), verify.WithOneRange())
			assert.NoError(t, err)
			assert.Equal(t, one.Findings, rep.Findings)
			assert.Equal(t, one.Checks, rep.Checks)
			assert.Equal(t, one.Status, rep.Status)
		})
	}
}
