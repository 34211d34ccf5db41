package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgcluster"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/internal/sumfile"
	"github.com/schemaguard/guard/migrations"
	"github.com/schemaguard/guard/verify"
)

var update = flag.Bool("update", false, "rewrite the golden files (report.txt, report.json) of testdata")

func TestMain(m *testing.M) { pgtest.Main(m) }

// testdata is the corpus folder, as an absolute path: tests change directory.
var testdata = must(filepath.Abs("testdata"))

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// provider makes shadows on the test server for the whole test.
func provider(t *testing.T) *shadow.Provider {
	t.Helper()
	ctx := context.Background()
	p, err := shadow.NewProvider(ctx, shadow.WithShadowURL(pgtest.Server(t)), shadow.WithTemplateCache(false))
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close(ctx)) })
	return p
}

// load reads a migrations folder for verify.Run, as guard verify does.
func load(t *testing.T, fsys fs.FS) *source.Source {
	t.Helper()
	src, err := verify.LoadSource(fsys, ".", "migrations")
	assert.NoError(t, err)
	return src
}

func context2m(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// corpus says, for each history of testdata, what verify must conclude and
// which checks must report something: each history is built to trip exactly
// one check (the clean one none). hygiene_concurrently also trips apply:
// PostgreSQL refuses the file the hygiene check flags, so the history stops
// there.
var corpus = map[string]struct {
	status  verify.Status
	tripped []verify.Check
	errors  int
}{
	"clean":                  {verify.StatusPassed, nil, 0},
	"apply_fails":            {verify.StatusFailed, []verify.Check{verify.CheckApply}, 1},
	"down_mismatch":          {verify.StatusFailed, []verify.Check{verify.CheckDown}, 1},
	"down_missing":           {verify.StatusPassed, []verify.Check{verify.CheckDown}, 0},
	"down_missing_required":  {verify.StatusFailed, []verify.Check{verify.CheckDown}, 1},
	"down_fails":             {verify.StatusFailed, []verify.Check{verify.CheckDown}, 1},
	"reapply_fails":          {verify.StatusFailed, []verify.Check{verify.CheckDown}, 1},
	"sum_edited":             {verify.StatusFailed, []verify.Check{verify.CheckSum}, 1},
	"sum_removed":            {verify.StatusFailed, []verify.Check{verify.CheckSum}, 2},
	"sum_out_of_order":       {verify.StatusFailed, []verify.Check{verify.CheckSum}, 2},
	"sum_missing":            {verify.StatusPassed, []verify.Check{verify.CheckSum}, 0},
	"contract_blocked":       {verify.StatusBlocked, []verify.Check{verify.CheckContract}, 1},
	"queries_missing_column": {verify.StatusFailed, []verify.Check{verify.CheckQueries}, 1},
	"hygiene_skipped_name":   {verify.StatusFailed, []verify.Check{verify.CheckHygiene}, 1},
	"hygiene_duplicate":      {verify.StatusFailed, []verify.Check{verify.CheckHygiene}, 1},
	"hygiene_gap":            {verify.StatusPassed, []verify.Check{verify.CheckHygiene}, 0},
	"hygiene_concurrently":   {verify.StatusFailed, []verify.Check{verify.CheckHygiene, verify.CheckApply}, 2},
}

// runCase verifies testdata/name from inside its folder, so that findings
// name files as a CI job in that folder would see them.
func runCase(t *testing.T, p *shadow.Provider, name string) *verify.Report {
	t.Helper()
	t.Chdir(filepath.Join(testdata, name))
	opts := []verify.Option{verify.WithShadowProvider(p), verify.WithSourceDir("migrations")}
	if exists("guard.contract.json") {
		opts = append(opts, verify.WithContract("guard.contract.json"))
	}
	if exists("queries") {
		opts = append(opts, verify.WithQueries("queries"))
	}
	if exists("require-down") {
		opts = append(opts, verify.WithRequireDown())
	}
	rep, err := verify.Run(context2m(t), load(t, os.DirFS("migrations")), opts...)
	assert.NoError(t, err)
	return rep
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestCorpus(t *testing.T) {
	p := provider(t)
	entries, err := os.ReadDir(testdata)
	assert.NoError(t, err)
	seen := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		want, ok := corpus[e.Name()]
		if !ok {
			t.Errorf("testdata/%s: not in the corpus table", e.Name())
			continue
		}
		seen++
		t.Run(e.Name(), func(t *testing.T) {
			rep := runCase(t, p, e.Name())
			var tripped []verify.Check
			for _, f := range rep.Findings {
				if !slices.Contains(tripped, f.Check) {
					tripped = append(tripped, f.Check)
				}
			}
			assert.Equal(t, want.tripped, tripped, "findings: %+v", rep.Findings)
			assert.Equal(t, want.status, rep.Status)
			assert.Equal(t, want.errors, rep.Summary.Errors)

			var text, js bytes.Buffer
			assert.NoError(t, rep.WriteText(&text))
			b, err := json.MarshalIndent(rep, "", "  ")
			assert.NoError(t, err)
			js.Write(append(b, '\n'))
			golden(t, "report.txt", text.String())
			golden(t, "report.json", js.String())
		})
	}
	assert.Equal(t, len(corpus), seen, "every history of the corpus table is in testdata")
}

// golden compares got with the file (in the current directory), or writes
// it with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		assert.NoError(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	assert.NoError(t, err, "run go test ./verify -update to write the golden files")
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs from the golden file (-want +got), rerun with -update if intended:\n%s", file, d)
	}
}

func TestFindingsPointAtTheProblem(t *testing.T) {
	p := provider(t)
	one := func(rep *verify.Report, c verify.Check) verify.Finding {
		t.Helper()
		fs := rep.FindingsOf(c)
		assert.Equal(t, 1, len(fs), "%+v", rep.Findings)
		return fs[0]
	}

	f := one(runCase(t, p, "apply_fails"), verify.CheckApply)
	assert.Equal(t, verify.Finding{Check: verify.CheckApply, Severity: verify.SeverityError,
		File: "migrations/000002_create_posts.up.sql", Line: 3, Column: 42,
		Message: `relation "user_accounts" does not exist (SQLSTATE 42P01)`}, f)

	f = one(runCase(t, p, "down_mismatch"), verify.CheckDown)
	assert.Equal(t, "migrations/000003_add_users_bio.down.sql", f.File)
	assert.Equal(t, "public.users.bio", f.Object)
	assert.Contains(t, f.Message, `does not undo 000003_add_users_bio.up.sql`)
	assert.Contains(t, f.Message, `column "bio" was added`)

	// The down file leaves behind a function of a schema out of scope,
	// which no comparison sees: the up file's second run fails on it.
	f = one(runCase(t, p, "reapply_fails"), verify.CheckDown)
	assert.Equal(t, "migrations/000003_add_users_bio.up.sql", f.File)
	assert.Equal(t, 3, f.Line)
	assert.Contains(t, f.Message, `function "user_bio" already exists`)

	rep := runCase(t, p, "contract_blocked")
	f = one(rep, verify.CheckContract)
	assert.Equal(t, "migrations/000004_rename_users_email.up.sql", f.File, "attributed to the migration that renames")
	assert.Equal(t, "public.users.email", f.Object)
	assert.Contains(t, f.Hint, "guard contract promote --table public.users")
	assert.True(t, rep.Contract != nil && rep.Contract.Blocked)

	f = one(runCase(t, p, "queries_missing_column"), verify.CheckQueries)
	assert.Equal(t, verify.Finding{Check: verify.CheckQueries, Severity: verify.SeverityError,
		File: "queries/users.sql", Line: 7, Column: 8,
		Message: `column "nickname" does not exist (SQLSTATE 42703)`,
		Hint:    "the application expects what the migrations do not create: add a migration, or fix the query"}, f)

	f = one(runCase(t, p, "sum_edited"), verify.CheckSum)
	assert.Equal(t, "migrations/000002_create_posts.up.sql", f.File)

	rep = runCase(t, p, "sum_removed")
	for _, f := range rep.FindingsOf(verify.CheckSum) {
		assert.Equal(t, "migrations/guard.sum", f.File)
		assert.True(t, f.Line > 0)
	}

	f = one(runCase(t, p, "hygiene_concurrently"), verify.CheckHygiene)
	assert.Equal(t, "migrations/000003_add_users_bio.up.sql", f.File)
	assert.Equal(t, 4, f.Line, "the CREATE INDEX line, after its comment")
	assert.Contains(t, f.Message, "CREATE INDEX CONCURRENTLY cannot run inside a transaction block")
}

// The repository's own example history ends with the breaking rename of
// users.email: without a contract, verify passes (its only warning: no
// guard.sum).
func TestExampleHistory(t *testing.T) {
	src, err := source.Load(migrations.FS, ".", "migrations")
	assert.NoError(t, err)
	rep, err := verify.Run(context2m(t), src, verify.WithShadowProvider(provider(t)))
	assert.NoError(t, err)
	assert.Equal(t, verify.StatusPassed, rep.Status, "%+v", rep.Findings)
	assert.Equal(t, 6, rep.Migrations)
	assert.Equal(t, 0, rep.Summary.Errors)
	for _, f := range rep.Findings {
		assert.Equal(t, verify.CheckSum, f.Check, "%+v", f)
	}
	for _, c := range []verify.Check{verify.CheckHygiene, verify.CheckApply, verify.CheckDown} {
		assert.Equal(t, verify.StatusPassed, rep.Check(c).Status, "%s: %s", c, rep.Check(c).Detail)
	}
	assert.Equal(t, verify.StatusSkipped, rep.Check(verify.CheckContract).Status)
}

func TestOptionErrors(t *testing.T) {
	ctx := context.Background()
	src := load(t, os.DirFS("testdata/clean/migrations"))
	for _, tc := range []struct {
		name string
		opt  verify.Option
		want string
	}{
		{"missing queries", verify.WithQueries("testdata/clean/nope"), "no such file or directory"},
		{"no queries", verify.WithQueries(), "no path given"},
		{"missing contract", verify.WithContract("testdata/nope.json"), "cannot read it"},
		{"sum file path", verify.WithSumFile("../guard.sum"), "want a file name"},
		{"empty schema", verify.WithSchemas("public", ""), "empty schema name"},
		{"nil provider", verify.WithShadowProvider(nil), "nil provider"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verify.Run(ctx, src, tc.opt)
			var oe *verify.OptionError
			assert.True(t, errors.As(err, &oe), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	p := provider(t)
	_, err := verify.Run(ctx, src, verify.WithShadowProvider(p), verify.WithShadowURL("postgres://x@y/z"))
	var oe *verify.OptionError
	assert.True(t, errors.As(err, &oe), "%v", err)
	assert.Contains(t, oe.Hint(), "not both")

	_, err = verify.Run(ctx, nil, verify.WithShadowProvider(p))
	assert.True(t, errors.As(err, &oe), "%v", err)
	assert.Contains(t, err.Error(), "nil source")
}

func TestMissingMigrationsFolderIsAnError(t *testing.T) {
	_, err := verify.LoadSource(os.DirFS("testdata"), "nope", "testdata/nope")
	assert.Error(t, err)
	assert.Contains(t, err.Error(), "migrations directory not found")
}

// LoadSource sets aside the files source.Load refuses, for Run to report;
// when nothing is left without them, there is nothing to verify.
func TestLoadSourceSetsAsideRefusedFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"1_a.up.sql":   {Data: []byte("CREATE TABLE a (id int);")},
		"2_b.sql":      {Data: []byte("CREATE TABLE b (id int);")},
		"3_c.down.sql": {Data: []byte("DROP TABLE c;")},
	}
	src, err := verify.LoadSource(fsys, ".", "test")
	assert.NoError(t, err)
	assert.Equal(t, []source.Migration{{Version: 1, Name: "a", Up: "1_a.up.sql"}}, src.Migrations)
	_, err = fs.Stat(src.FS, "2_b.sql")
	assert.NoError(t, err, "the source's FS still holds the files set aside")

	_, err = verify.LoadSource(fstest.MapFS{"2_b.sql": fsys["2_b.sql"]}, ".", "test")
	var se *source.Error
	assert.True(t, errors.As(err, &se), "%v", err)
	assert.True(t, errors.Is(err, source.ErrSkippedFile), "%v", err)
	assert.Equal(t, "2_b.sql", se.File)
}

func TestCancelledRunIsAnError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := verify.Run(ctx, load(t, os.DirFS("testdata/clean/migrations")), verify.WithShadowProvider(provider(t)))
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

func TestSumFileEditedByHandOrCorrupt(t *testing.T) {
	p := provider(t)
	base := func() fstest.MapFS {
		return fstest.MapFS{
			"1_a.up.sql":   {Data: []byte("CREATE TABLE a (id int);")},
			"1_a.down.sql": {Data: []byte("DROP TABLE a;")},
		}
	}
	src, err := source.Load(base(), ".", "test")
	assert.NoError(t, err)
	sum, err := sumfile.Compute(src)
	assert.NoError(t, err)

	// The total line was changed by hand.
	fsys := base()
	fsys["guard.sum"] = &fstest.MapFile{Data: []byte(strings.Replace(string(sum.Bytes()), "total "+sum.Total, "total "+strings.Repeat("0", 64), 1))}
	rep, err := verify.Run(context2m(t), load(t, fsys), verify.WithShadowProvider(p))
	assert.NoError(t, err)
	f := rep.FindingsOf(verify.CheckSum)
	assert.Equal(t, 1, len(f), "%+v", rep.Findings)
	assert.Equal(t, verify.Finding{Check: verify.CheckSum, Severity: verify.SeverityError, File: "guard.sum", Line: 3,
		Message: "the total does not match the entries: the sum file was edited by hand",
		Hint:    "run `guard migrate hash` to write it again (and review what changed)"}, f[0])

	// A line that is not an entry.
	fsys["guard.sum"] = &fstest.MapFile{Data: append(sum.Bytes(), "oops\n"...)}
	rep, err = verify.Run(context2m(t), load(t, fsys), verify.WithShadowProvider(p), verify.WithSumFile("guard.sum"))
	assert.NoError(t, err)
	f = rep.FindingsOf(verify.CheckSum)
	assert.Equal(t, 1, len(f), "%+v", rep.Findings)
	assert.Equal(t, 6, f[0].Line)
	assert.Equal(t, verify.StatusFailed, rep.Status)

	// A down file added to a recorded version is a warning.
	fsys = fstest.MapFS{"1_a.up.sql": base()["1_a.up.sql"]}
	one, err := source.Load(fsys, ".", "test")
	assert.NoError(t, err)
	s1, err := sumfile.Compute(one)
	assert.NoError(t, err)
	fsys = base()
	fsys["guard.sum"] = &fstest.MapFile{Data: s1.Bytes()}
	rep, err = verify.Run(context2m(t), load(t, fsys), verify.WithShadowProvider(p))
	assert.NoError(t, err)
	f = rep.FindingsOf(verify.CheckSum)
	assert.Equal(t, 1, len(f), "%+v", rep.Findings)
	assert.Equal(t, verify.SeverityWarning, f[0].Severity)
	assert.Equal(t, "1_a.down.sql", f[0].File)
	assert.Equal(t, verify.StatusPassed, rep.Status)

	// Several are one warning, on the sum file, naming them.
	fsys = fstest.MapFS{}
	for _, v := range []string{"1", "2", "3"} {
		fsys[v+"_t.up.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE t" + v + " (id int);")}
	}
	ups, err := source.Load(fsys, ".", "test")
	assert.NoError(t, err)
	s3, err := sumfile.Compute(ups)
	assert.NoError(t, err)
	fsys["guard.sum"] = &fstest.MapFile{Data: s3.Bytes()}
	for _, v := range []string{"1", "2", "3"} {
		fsys[v+"_t.down.sql"] = &fstest.MapFile{Data: []byte("DROP TABLE t" + v + ";")}
	}
	rep, err = verify.Run(context2m(t), load(t, fsys), verify.WithShadowProvider(p))
	assert.NoError(t, err)
	f = rep.FindingsOf(verify.CheckSum)
	assert.Equal(t, 1, len(f), "%+v", rep.Findings)
	assert.Equal(t, verify.SeverityWarning, f[0].Severity)
	assert.Equal(t, "guard.sum", f[0].File)
	assert.Equal(t, "3 down files added to versions after they were recorded in guard.sum: 1_t.down.sql, 2_t.down.sql, 3_t.down.sql", f[0].Message)
	assert.Equal(t, verify.StatusPassed, rep.Status)
}

func TestDownCheckContinuesAfterABrokenDown(t *testing.T) {
	// Version 1's down leaves a column behind; versions 2 and 3 are still
	// checked on a shadow rebuilt at version 1, and 3's broken down is found too.
	fsys := fstest.MapFS{
		"1_a.up.sql":   {Data: []byte("CREATE TABLE a (id int);")},
		"1_a.down.sql": {Data: []byte("SELECT 1;")},
		"2_b.up.sql":   {Data: []byte("CREATE TABLE b (id int);")},
		"2_b.down.sql": {Data: []byte("DROP TABLE b;")},
		"3_c.up.sql":   {Data: []byte("ALTER TABLE b ADD COLUMN c int;")},
		"3_c.down.sql": {Data: []byte("ALTER TABLE b DROP COLUMN c; DROP TABLE a;")},
		"guard.sum":    {Data: nil},
	}
	src, err := source.Load(fsys, ".", "test")
	assert.NoError(t, err)
	sum, err := sumfile.Compute(src)
	assert.NoError(t, err)
	fsys["guard.sum"] = &fstest.MapFile{Data: sum.Bytes()}
	rep, err := verify.Run(context2m(t), load(t, fsys), verify.WithShadowProvider(provider(t)))
	assert.NoError(t, err)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.File+" "+f.Object)
	}
	assert.Equal(t, []string{"1_a.down.sql public.a", "3_c.down.sql public.a"}, got, "%+v", rep.Findings)
	assert.Equal(t, verify.StatusPassed, rep.Check(verify.CheckApply).Status)
}

// Run makes its own provider: on a shadow URL's server, or by default on an
// ephemeral cluster it starts and stops (CI with no database service).
func TestOwnShadowProvider(t *testing.T) {
	src, err := source.Load(migrations.FS, ".", "migrations")
	assert.NoError(t, err)
	rep, err := verify.Run(context2m(t), src, verify.WithShadowURL(pgtest.Server(t)))
	assert.NoError(t, err)
	assert.Equal(t, verify.StatusPassed, rep.Status, "%+v", rep.Findings)

	if _, err := pgcluster.BinDir(); err != nil {
		pgtest.SkipOrFail(t, "no PostgreSQL server binaries for an ephemeral cluster: %v", err)
	}
	rep, err = verify.Run(context2m(t), src)
	assert.NoError(t, err)
	assert.Equal(t, verify.StatusPassed, rep.Status, "%+v", rep.Findings)
	assert.Equal(t, verify.StatusPassed, rep.Check(verify.CheckDown).Status)
}
