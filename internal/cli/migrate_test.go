package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/internal/cli"
	"github.com/schemaguard/guard/internal/pgtest"
)

type mgResult struct {
	stdout, stderr string
	code           int
}

// mgRun runs the CLI in-process against the project folder dir.
func mgRun(t *testing.T, dir, url string, args ...string) mgResult {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := append([]string{"--database-url", url, "--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "guard.contract.json")}, args...)
	code := cli.Run(ctx, all, strings.NewReader(""), &out, &errOut)
	return mgResult{out.String(), errOut.String(), code}
}

// mgProject writes a project folder with the given migration files.
func mgProject(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	assert.NoError(t, os.Mkdir(filepath.Join(dir, "migrations"), 0o755))
	for i := 0; i+1 < len(files); i += 2 {
		assert.NoError(t, os.WriteFile(filepath.Join(dir, "migrations", files[i]), []byte(files[i+1]), 0o644))
	}
	return dir
}

func mgQuery[T any](t *testing.T, url, sql string) T {
	t.Helper()
	conn := pgtest.Connect(t, url)
	var v T
	assert.NoError(t, conn.QueryRow(context.Background(), sql).Scan(&v))
	return v
}

// sleepSQL sleeps as long as the database's guardtest.sleep setting says (0
// when unset, as in shadow databases): a test turns it on for the target
// only, to catch a migration in the act.
const sleepSQL = "SELECT pg_sleep(coalesce(nullif(current_setting('guardtest.sleep', true), ''), '0')::float);"

func TestMigrateCommandsExitCodesAndJSON(t *testing.T) {
	mgClearEnv(t)
	url := pgtest.DB(t)
	dir := mgProject(t,
		"000001_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);",
		"000001_users.down.sql", "DROP TABLE users;",
		"000002_bio.up.sql", "ALTER TABLE users ADD COLUMN bio text;",
		"000002_bio.down.sql", "ALTER TABLE users DROP COLUMN bio;",
		"000003_rename.up.sql", "ALTER TABLE users RENAME COLUMN email TO email_address;",
		"000003_rename.down.sql", "ALTER TABLE users RENAME COLUMN email_address TO email;",
	)

	r := mgRun(t, dir, url, "migrate", "status")
	assert.Equal(t, cli.ExitNotReady, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Pending: 3 migrations")

	r = mgRun(t, dir, url, "migrate", "up", "1")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "→ 000001_users ... ok (")
	assert.Contains(t, r.stdout, "Applied 1 migration in")

	r = mgRun(t, dir, url, "contract", "lock", "--mode", "auto")
	assert.Equal(t, 0, r.code, r.stderr)

	// Plan: per-file changes in JSON; exit 3 as the rename would be blocked.
	r = mgRun(t, dir, url, "migrate", "plan", "--format", "json")
	assert.Equal(t, cli.ExitBlocked, r.code, r.stderr)
	var plan struct {
		Version *uint64 `json:"version"`
		Target  *uint64 `json:"target"`
		Blocked bool    `json:"blocked"`
		Steps   []struct {
			File    string `json:"file"`
			Changes struct {
				Tables []struct {
					Items []struct {
						Kind string `json:"kind"`
					} `json:"items"`
				} `json:"tables"`
			} `json:"changes"`
		} `json:"steps"`
		HistoryDrift []any `json:"history_drift"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &plan))
	assert.Equal(t, uint64(1), *plan.Version)
	assert.Equal(t, uint64(3), *plan.Target)
	assert.True(t, plan.Blocked)
	assert.Equal(t, "000002_bio.up.sql", plan.Steps[0].File)
	assert.Equal(t, "column_added", plan.Steps[0].Changes.Tables[0].Items[0].Kind)
	assert.Equal(t, "column_renamed", plan.Steps[1].Changes.Tables[0].Items[0].Kind)
	assert.Contains(t, r.stdout, `"history_drift": []`, "an empty list, never null")

	// Up applies the safe 2, promoted in auto mode; the rename is blocked.
	r = mgRun(t, dir, url, "migrate", "up", "1")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Contract: safe changes of public.users promoted")
	r = mgRun(t, dir, url, "migrate", "up")
	assert.Equal(t, cli.ExitBlocked, r.code, r.stderr)
	assert.Contains(t, r.stdout, "[blocked]")
	assert.Contains(t, r.stderr, "guard: blocked by the contract (auto mode)")
	assert.Contains(t, r.stderr, "  hint: ")
	r = mgRun(t, dir, url, "migrate", "plan")
	assert.Equal(t, cli.ExitBlocked, r.code)
	assert.Contains(t, r.stdout, "✗ Blocked by the contract")

	// Down drops a column: planned, and refused without --yes.
	r = mgRun(t, dir, url, "migrate", "down")
	assert.Equal(t, cli.ExitBlocked, r.code, "the contract blocks the removal from a locked table: %s", r.stderr)
	r = mgRun(t, dir, url, "contract", "unlock")
	assert.Equal(t, 0, r.code, r.stderr)
	r = mgRun(t, dir, url, "migrate", "down")
	assert.Equal(t, cli.ExitError, r.code)
	assert.Contains(t, r.stderr, "reverting would drop data: public.users.bio is removed")
	assert.Contains(t, r.stderr, "--yes")
	r = mgRun(t, dir, url, "migrate", "down", "--yes", "--format", "json")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "← 000002_bio (down) ... ok", "progress goes to stderr with --format json")
	var res struct {
		Applied []struct {
			File       string  `json:"file"`
			Direction  string  `json:"direction"`
			DurationMS float64 `json:"duration_ms"`
			Attempts   int     `json:"attempts"`
		} `json:"applied"`
		Version *uint64 `json:"version"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.Equal(t, "000002_bio.down.sql", res.Applied[0].File)
	assert.Equal(t, "down", res.Applied[0].Direction)
	assert.Equal(t, uint64(1), *res.Version)

	r = mgRun(t, dir, url, "migrate", "goto", "3")
	assert.Equal(t, 0, r.code, r.stderr)
	r = mgRun(t, dir, url, "migrate", "status", "--format", "json")
	assert.Equal(t, 0, r.code, "up to date: %s", r.stderr)

	// Dirty: status, plan and up exit 4 with the diagnosis; recover fixes it.
	pgtest.Exec(t, url, `UPDATE schema_migrations SET dirty = true`)
	for _, cmd := range [][]string{{"migrate", "status"}, {"migrate", "plan", "--no-auto-recover"}, {"migrate", "up", "--no-auto-recover"}} {
		r = mgRun(t, dir, url, cmd...)
		assert.Equal(t, cli.ExitDirty, r.code, "%v: %s", cmd, r.stderr)
		assert.Contains(t, r.stdout, "applied but unrecorded", "%v", cmd)
	}
	r = mgRun(t, dir, url, "migrate", "status", "--format", "json")
	var st struct {
		Dirty     bool `json:"dirty"`
		Diagnosis struct {
			State     string  `json:"state"`
			RecoverTo *uint64 `json:"recover_to"`
		} `json:"diagnosis"`
	}
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	assert.True(t, st.Dirty)
	assert.Equal(t, "applied_unrecorded", st.Diagnosis.State)
	assert.Equal(t, uint64(3), *st.Diagnosis.RecoverTo)
	r = mgRun(t, dir, url, "migrate", "recover")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Recovered: version set to 3")
	// Without --no-auto-recover, up recovers the exact state by itself
	// and says so on stderr.
	pgtest.Exec(t, url, `UPDATE schema_migrations SET dirty = true`)
	r = mgRun(t, dir, url, "migrate", "up")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "RECOVERED AUTOMATICALLY: database was dirty at version 3")
	assert.False(t, mgQuery[bool](t, url, `SELECT dirty FROM schema_migrations`))

	// force needs --yes; create numbers after the last file.
	r = mgRun(t, dir, url, "migrate", "force", "2")
	assert.Equal(t, cli.ExitError, r.code)
	assert.Contains(t, r.stderr, "pass --yes")
	r = mgRun(t, dir, url, "migrate", "force", "3", "--yes")
	assert.Equal(t, 0, r.code, r.stderr)
	r = mgRun(t, dir, url, "migrate", "create", "add", "karma")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, filepath.Join(dir, "migrations", "000004_add_karma.up.sql"))
	r = mgRun(t, dir, url, "migrate", "up", "zero")
	assert.Equal(t, cli.ExitUsage, r.code)
	r = mgRun(t, dir, url, "migrate", "goto", "99")
	assert.Equal(t, cli.ExitError, r.code)
	assert.Contains(t, r.stderr, "no such version")
}

// guardBinary builds the guard command into the test's temporary
// directory (once per test; the build cache makes the later ones quick).
func guardBinary(t *testing.T) string {
	t.Helper()
	if b, ok := binaries.Load(t.Name()); ok {
		return b.(string)
	}
	path := filepath.Join(t.TempDir(), "guard")
	out, err := exec.Command("go", "build", "-o", path, "github.com/schemaguard/guard/cmd/guard").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	binaries.Store(t.Name(), path)
	return path
}

var binaries sync.Map // test name → binary

// guardCmd prepares a guard process against the project folder dir.
func guardCmd(t *testing.T, dir, url string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	all := append([]string{"--source", filepath.Join(dir, "migrations"), "--contract", filepath.Join(dir, "guard.contract.json")}, args...)
	cmd := exec.Command(guardBinary(t), all...)
	cmd.Env = append(os.Environ(), "GUARD_DATABASE_URL="+url, "DATABASE_URL=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return cmd, &out, &errOut
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// sideEffects returns how many times each migration body ran on the target.
func sideEffects(t *testing.T, url string) map[int]int {
	t.Helper()
	conn := pgtest.Connect(t, url)
	rows, err := conn.Query(context.Background(), `SELECT version, count(*)::int FROM side_effects GROUP BY version`)
	assert.NoError(t, err)
	out := map[int]int{}
	for rows.Next() {
		var v, n int
		assert.NoError(t, rows.Scan(&v, &n))
		out[v] = n
	}
	assert.NoError(t, rows.Err())
	return out
}

// sideEffectHistory is 5 migrations whose bodies each record that they ran.
func sideEffectHistory(second string) []string {
	files := []string{"1_side_effects.up.sql", "CREATE TABLE side_effects (version int NOT NULL);\nINSERT INTO side_effects VALUES (1);"}
	for v := 2; v <= 5; v++ {
		body := fmt.Sprintf("CREATE TABLE t%d (id int);\nINSERT INTO side_effects VALUES (%d);", v, v)
		if v == 2 && second != "" {
			body = second
		}
		files = append(files, fmt.Sprintf("%d_t%d.up.sql", v, v), body)
	}
	return files
}

func TestSixteenConcurrentUpsApplyEachMigrationOnce(t *testing.T) {
	url := pgtest.DB(t)
	dir := mgProject(t, sideEffectHistory("")...)
	assert.Equal(t, 5, concurrentUps(t, dir, url, 16), "each migration applied by exactly one process")
	assert.Equal(t, map[int]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, sideEffects(t, url))
	v := mgQuery[int](t, url, `SELECT version FROM schema_migrations`)
	dirty := mgQuery[bool](t, url, `SELECT dirty FROM schema_migrations`)
	assert.Equal(t, 5, v)
	assert.False(t, dirty)
}

// concurrentUps starts n guard migrate up processes at once on the
// project dir and the database at url, checks that each exits 0, and
// returns how many files they applied in all.
func concurrentUps(t *testing.T, dir, url string, n int) int {
	t.Helper()
	guardBinary(t)
	type proc struct {
		cmd         *exec.Cmd
		out, errOut *bytes.Buffer
	}
	var procs []proc
	for range n {
		cmd, out, errOut := guardCmd(t, dir, url, "migrate", "up")
		procs = append(procs, proc{cmd, out, errOut})
	}
	for _, p := range procs {
		assert.NoError(t, p.cmd.Start())
	}
	applied := 0
	for i, p := range procs {
		err := p.cmd.Wait()
		assert.Equal(t, 0, exitCode(err), "process %d: %s%s", i, p.out, p.errOut)
		applied += strings.Count(p.out.String(), " ... ok (")
	}
	return applied
}

// waitFor polls the database at url until sql returns true.
func waitFor(t *testing.T, url, what, sql string) {
	t.Helper()
	conn := pgtest.Connect(t, url)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var ok bool
		assert.NoError(t, conn.QueryRow(context.Background(), sql).Scan(&ok))
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
	t.Fatalf("timed out waiting until %s", what)
}

const migrationSleeping = `SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
	AND application_name LIKE 'guard-migrate-%' AND state = 'active' AND query LIKE '%pg_sleep%')`

const noGuardSession = `SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
	AND (application_name LIKE 'guard-migrate-%' OR application_name LIKE 'guard migrate%'))`

func TestKilledDuringAMigrationIsDiagnosedAndRecovered(t *testing.T) {
	for _, tc := range []struct {
		name   string
		second string
		state  string
		byHand string // what the operator does after a refused recover
	}{
		{name: "inside the transaction",
			second: "CREATE TABLE t2 (id int);\nINSERT INTO side_effects VALUES (2);\n" + sleepSQL,
			state:  "not_applied"},
		{name: "after its commit",
			second: "BEGIN;\nCREATE TABLE t2 (id int);\nINSERT INTO side_effects VALUES (2);\nCOMMIT;\n" + sleepSQL,
			state:  "applied_unrecorded"},
		{name: "between two transactions",
			second: "BEGIN;\nCREATE TABLE t2 (id int);\nINSERT INTO side_effects VALUES (2);\nCOMMIT;\nCREATE TABLE t2b (id int);\n" + sleepSQL,
			state:  "partial", byHand: "CREATE TABLE t2b (id int);"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mgClearEnv(t)
			url := pgtest.DB(t)
			dir := mgProject(t, sideEffectHistory(tc.second)...)
			db := mgQuery[string](t, url, `SELECT current_database()`)
			pgtest.Exec(t, url, `ALTER DATABASE "`+db+`" SET guardtest.sleep = '600'`)

			cmd, _, _ := guardCmd(t, dir, url, "migrate", "up")
			assert.NoError(t, cmd.Start())
			waitFor(t, url, "migration 2 sleeps", migrationSleeping)
			assert.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			_ = cmd.Wait()
			waitFor(t, url, "the killed guard's sessions are gone", noGuardSession)
			pgtest.Exec(t, url, `ALTER DATABASE "`+db+`" RESET guardtest.sleep`)

			r := mgRun(t, dir, url, "migrate", "status", "--format", "json")
			assert.Equal(t, cli.ExitDirty, r.code, r.stderr)
			var st struct {
				Version   *uint64 `json:"version"`
				Dirty     bool    `json:"dirty"`
				Diagnosis struct {
					State string `json:"state"`
				} `json:"diagnosis"`
			}
			assert.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
			assert.Equal(t, uint64(2), *st.Version)
			assert.Equal(t, tc.state, st.Diagnosis.State)

			r = mgRun(t, dir, url, "migrate", "recover")
			if tc.byHand != "" {
				assert.Equal(t, cli.ExitDirty, r.code, "recover refuses a partial migration")
				assert.Contains(t, r.stdout, `table "public.t2b" was removed`, "it names the exact difference")
				pgtest.Exec(t, url, tc.byHand)
				r = mgRun(t, dir, url, "migrate", "recover")
			}
			assert.Equal(t, 0, r.code, r.stdout+r.stderr)
			r = mgRun(t, dir, url, "migrate", "up")
			assert.Equal(t, 0, r.code, r.stdout+r.stderr)
			assert.Equal(t, map[int]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, sideEffects(t, url), "every migration applied exactly once")
			assert.Equal(t, 5, mgQuery[int](t, url, `SELECT version FROM schema_migrations WHERE NOT dirty`))
		})
	}
}

func TestSIGTERMCancelsTheMigrationOnTheServer(t *testing.T) {
	url := pgtest.DB(t)
	dir := mgProject(t, sideEffectHistory("CREATE TABLE t2 (id int);\nINSERT INTO side_effects VALUES (2);\n"+sleepSQL)...)
	db := mgQuery[string](t, url, `SELECT current_database()`)
	pgtest.Exec(t, url, `ALTER DATABASE "`+db+`" SET guardtest.sleep = '600'`)

	cmd, out, errOut := guardCmd(t, dir, url, "migrate", "up")
	assert.NoError(t, cmd.Start())
	waitFor(t, url, "migration 2 sleeps", migrationSleeping)
	assert.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	assert.NotEqual(t, 0, exitCode(err), "%s", out)
	assert.Contains(t, errOut.String(), "2_t2.up.sql")
	assert.Contains(t, errOut.String(), "interrupted")

	// Cancelled on the server (no statement left running), rolled back,
	// version clean at 1, lock released, shadow dropped.
	// Only this test's: other tests may share the server.
	assert.True(t, mgQuery[bool](t, url, `SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
		AND state = 'active' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid())`))
	assert.Equal(t, 0, mgQuery[int](t, url, `SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`))
	assert.Equal(t, []string(nil), shadowsOf(t, url, cmd.Process.Pid))
	assert.Equal(t, 1, mgQuery[int](t, url, `SELECT version FROM schema_migrations WHERE NOT dirty`))
	assert.False(t, mgQuery[bool](t, url, `SELECT to_regclass('t2') IS NOT NULL`))
	assert.Equal(t, map[int]int{1: 1}, sideEffects(t, url))
}

// mgClearEnv keeps database URLs of the environment out of in-process runs.
func mgClearEnv(t *testing.T) { clearEnv(t) }

func TestMigrateBadInputChangesNothing(t *testing.T) {
	mgClearEnv(t)
	url := pgtest.DB(t)
	good := mgProject(t, "1_a.up.sql", "CREATE TABLE a (id int);")
	for _, tc := range []struct {
		name string
		dir  string
		url  string
		args []string
		code int
		want string
	}{
		{"unreachable server", good, "postgres://app:s3cr3t-pw@127.0.0.1:1/app", nil, cli.ExitError, "connection refused"},
		{"malformed URL", good, "postgres://app:s3cr3t-pw@%zz/app", nil, cli.ExitError, "invalid database URL"},
		{"missing folder", t.TempDir(), url, nil, cli.ExitError, "migrations directory not found"},
		{"skipped file name", mgProject(t, "1_a.up.sql", "SELECT 1;", "2-b.up.sql", "SELECT 1;"), url, nil, cli.ExitError, "golang-migrate would silently skip"},
		{"duplicate version", mgProject(t, "1_a.up.sql", "SELECT 1;", "1_b.up.sql", "SELECT 1;"), url, nil, cli.ExitError, "duplicate migration version"},
		{"bad lock wait", good, url, []string{"--lock-wait", "0s"}, cli.ExitUsage, "--lock-wait"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mgRun(t, tc.dir, tc.url, append([]string{"migrate", "up"}, tc.args...)...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.Contains(t, r.stderr, "  hint: ")
			assert.NotContains(t, r.stdout+r.stderr, "s3cr3t-pw")
		})
	}
	corrupt := mgProject(t, "1_a.up.sql", "CREATE TABLE a (id int);")
	assert.NoError(t, os.WriteFile(filepath.Join(corrupt, "guard.contract.json"), []byte("{nope"), 0o644))
	r := mgRun(t, corrupt, url, "migrate", "up")
	assert.Equal(t, cli.ExitError, r.code)
	assert.Contains(t, r.stderr, "not valid JSON")
	assert.False(t, mgQuery[bool](t, url, `SELECT to_regclass('schema_migrations') IS NOT NULL`), "nothing changed")
}
