package enforce_test

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/enforce"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is a database of the test's own whose tables belong to a role
// of the test's own (owner), and a second login role (dev) that is not the
// owner but a member of its role, as a developer at a psql prompt is: it
// may alter the tables, it is not a superuser.
type fixture struct {
	t          *testing.T
	url        string    // the test database, as the test server's superuser
	conn       *pgx.Conn // on url
	owner, dev string
	devURL     string // the test database as dev, without its password
	devPass    string
}

// newFixture creates the roles, then the database (so that the database
// is dropped before the roles are), and runs setup in it as the owner.
func newFixture(t *testing.T, setup string) *fixture {
	t.Helper()
	suffix := pgtest.RandomSuffix()
	f := &fixture{t: t, owner: "guard_enf_owner_" + suffix, dev: "guard_enf_dev_" + suffix, devPass: pgtest.RandomSuffix() + pgtest.RandomSuffix()}
	admin := pgtest.Server(t)
	pgtest.Exec(t, admin, fmt.Sprintf(`CREATE ROLE %s NOLOGIN; CREATE ROLE %s LOGIN PASSWORD '%s' IN ROLE %s`, f.owner, f.dev, f.devPass, f.owner))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop roles: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, fmt.Sprintf(`DROP ROLE IF EXISTS %s; DROP ROLE IF EXISTS %s`, f.dev, f.owner), pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Errorf("drop roles: %v", err)
		}
	})
	f.url = pgtest.DB(t)
	pgtest.Exec(t, f.url, fmt.Sprintf(`GRANT CREATE ON SCHEMA public TO %s; SET ROLE %s; %s; RESET ROLE`, f.owner, f.owner, setup))
	f.conn = pgtest.Connect(t, f.url)
	u, err := neturl.Parse(f.url)
	assert.NoError(t, err)
	u.User = neturl.User(f.dev)
	f.devURL = u.String()
	return f
}

// lock returns a contract locking tables (all when none) of the live
// database in mode.
func (f *fixture) lock(mode contract.Mode, tables ...string) *contract.Contract {
	f.t.Helper()
	live, err := schema.Inspect(context.Background(), f.conn)
	assert.NoError(f.t, err)
	c := contract.New()
	_, err = c.Lock(live, tables, "", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	assert.NoError(f.t, err)
	c.SetMode(mode)
	return c
}

func (f *fixture) install(c *contract.Contract) *enforce.Result {
	f.t.Helper()
	res, err := enforce.Install(context.Background(), f.conn, c)
	assert.NoError(f.t, err)
	return res
}

// psql runs sql with the psql binary as dev, and returns its output and
// whether it succeeded.
func (f *fixture) psql(sql string) (string, bool) {
	f.t.Helper()
	bin, err := exec.LookPath("psql")
	if err != nil {
		if _, serr := os.Stat("/usr/bin/psql"); serr != nil {
			pgtest.SkipOrFail(f.t, "no psql binary: %v", err)
		}
		bin = "/usr/bin/psql"
	}
	cmd := exec.Command(bin, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", `\set VERBOSITY verbose`, "-c", sql, f.devURL)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+f.devPass, "PGCONNECT_TIMEOUT=10")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		f.t.Fatalf("run psql: %v", err)
	}
	return string(out), err == nil
}

// rejected asserts that psql ran sql and guard's trigger rejected it with
// its SQLSTATE, a message holding each of want, and the way out.
func (f *fixture) rejected(sql string, want ...string) {
	f.t.Helper()
	out, ok := f.psql(sql)
	assert.False(f.t, ok, "%s: passed, want rejected:\n%s", sql, out)
	assert.Contains(f.t, out, "ERROR:  "+enforce.SQLState+": guard: ", "%s", sql)
	for _, w := range want {
		assert.Contains(f.t, out, w, "%s", sql)
	}
	assert.Contains(f.t, out, "guard migrate up", "%s: the hint gives the way out", sql)
	assert.Contains(f.t, out, "guard contract promote --from migrations --table", "%s", sql)
}

// passed asserts that psql ran sql successfully.
func (f *fixture) passed(sql string) {
	f.t.Helper()
	out, ok := f.psql(sql)
	assert.True(f.t, ok, "%s: rejected, want passed:\n%s", sql, out)
}

// columns returns the columns of a table, in order.
func (f *fixture) columns(table string) []string {
	f.t.Helper()
	rows, err := f.conn.Query(context.Background(), `SELECT attname::text FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, table)
	assert.NoError(f.t, err)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	assert.NoError(f.t, err)
	return cols
}

// sqlState returns the SQLSTATE of err, "" for none.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
