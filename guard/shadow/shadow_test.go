package shadow_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/migrations"
)

func parse(t *testing.T, u string) *pgx.ConnConfig {
	t.Helper()
	cfg, err := dburl.Parse(u)
	assert.NoError(t, err)
	return cfg
}

func example(t *testing.T) *source.Source {
	t.Helper()
	src, err := source.Load(migrations.FS, ".", "example")
	assert.NoError(t, err)
	return src
}

// downStep is the step reverting m.
func downStep(src *source.Source, m source.Migration) source.Step {
	v := source.V(m.Version)
	return src.DownSteps(v, src.Prev(v))[0]
}

func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	var ok bool
	conn := pgtest.Connect(t, pgtest.Server(t))
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&ok))
	return ok
}

// shadowsOfThisProcess counts the shadow databases on the test server whose
// comment names this process (its pid and host): other processes' shadows
// come and go meanwhile.
func shadowsOfThisProcess(t *testing.T) int {
	t.Helper()
	var n int
	conn := pgtest.Connect(t, pgtest.Server(t))
	err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_database d
		WHERE datname LIKE 'guard\_shadow\_%' AND shobj_description(d.oid, 'pg_database') LIKE $1`,
		"% "+shadow.Creator+" %").Scan(&n)
	assert.NoError(t, err)
	return n
}

// commentOf returns the comment of database name.
func commentOf(t *testing.T, name string) string {
	t.Helper()
	var c string
	conn := pgtest.Connect(t, pgtest.Server(t))
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = $1`, name).Scan(&c))
	return c
}

// schema lists the shadow's public columns and enum types, but for the
// version table, as guard's inspection leaves it out.
func schema(t *testing.T, sh *shadow.Shadow) []string {
	t.Helper()
	var out []string
	err := sh.Conn().QueryRow(t.Context(), `
		SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM (
			SELECT c.relname || '.' || a.attname AS x
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
			WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')
			AND c.relname <> 'schema_migrations' -- golang-migrate's, in every shadow
			UNION ALL
			SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
			WHERE n.nspname = 'public' AND t.typtype = 'e'
		) s`).Scan(&out)
	assert.NoError(t, err)
	return out
}

func TestShadowOnTargetServer(t *testing.T) {
	target := pgtest.DB(t)
	src := example(t)
	ctx := t.Context()
	sh, err := shadow.New(ctx, shadow.WithTarget(parse(t, target)))
	assert.NoError(t, err)
	t.Cleanup(func() { _ = sh.Drop(context.Background()) })

	assert.Equal(t, shadow.PlacementTarget, sh.Placement())
	assert.True(t, strings.HasPrefix(sh.Name(), shadow.Prefix))
	assert.True(t, databaseExists(t, sh.Name()))
	assert.Equal(t, sh.Name(), sh.Config().Database)
	assert.Contains(t, commentOf(t, sh.Name()), " "+shadow.Creator+" ", "the shadow's comment names its creator")
	conn := pgtest.Connect(t, sh.URL())
	var db string
	assert.NoError(t, conn.QueryRow(ctx, `SELECT current_database()`).Scan(&db))
	assert.Equal(t, sh.Name(), db)
	assert.NoError(t, conn.Close(ctx))

	assert.NoError(t, sh.Migrate(ctx, src, source.None))
	assert.Equal(t, []string{}, schema(t, sh))
	assert.Equal(t, source.None, sh.Version())

	assert.NoError(t, sh.Migrate(ctx, src, source.V(3)))
	assert.Equal(t, source.V(3), sh.Version())
	at3 := schema(t, sh)
	for _, want := range []string{"users.email", "posts.status", "comments.post_id", "published_posts.author", "type post_status"} {
		assert.SliceContains(t, at3, want)
	}

	assert.NoError(t, sh.Migrate(ctx, src, src.Head()))
	head := schema(t, sh)
	assert.SliceContains(t, head, "users.email_address")
	assert.SliceContains(t, head, "users.bio")
	assert.False(t, slices.Contains(head, "users.email"), "renamed at head")

	// Down again, file by file, to the very same schema.
	assert.NoError(t, sh.Migrate(ctx, src, source.V(3)))
	assert.Equal(t, at3, schema(t, sh))
	assert.NoError(t, sh.Migrate(ctx, src, source.None))
	assert.Equal(t, []string{}, schema(t, sh))

	assert.Error(t, sh.Migrate(ctx, src, source.V(99)))

	assert.NoError(t, sh.Drop(ctx))
	assert.False(t, databaseExists(t, sh.Name()))
	assert.NoError(t, sh.Drop(ctx), "Drop is idempotent")
}

func TestStepByStep(t *testing.T) {
	src := example(t)
	ctx := t.Context()
	p, err := shadow.NewProvider(ctx, shadow.WithShadowURL(pgtest.Server(t)), shadow.WithTarget(parse(t, pgtest.DB(t))))
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close(context.Background())) })
	assert.Equal(t, shadow.PlacementShadowURL, p.Placement())

	a, err := p.New(ctx)
	assert.NoError(t, err)
	b, err := p.New(ctx)
	assert.NoError(t, err)
	assert.NotEqual(t, a.Name(), b.Name())

	var sizes []int
	for _, m := range src.Migrations {
		assert.NoError(t, a.Step(ctx, src, source.UpStep(m)))
		sizes = append(sizes, len(schema(t, a)))
	}
	assert.Equal(t, []int{4, 11, 20, 20, 21, 21}, sizes)
	assert.Error(t, a.Step(ctx, src, source.UpStep(src.Migrations[0])), "already applied")
	assert.Error(t, a.Step(ctx, src, downStep(src, src.Migrations[0])), "not the last one")
	assert.NoError(t, a.Step(ctx, src, downStep(src, src.Migrations[5])))
	assert.Equal(t, source.V(5), a.Version())
	assert.Equal(t, []string{}, schema(t, b), "shadows are separate")

	// Close drops what is left.
	assert.NoError(t, p.Close(ctx))
	assert.False(t, databaseExists(t, a.Name()))
	assert.False(t, databaseExists(t, b.Name()))
}

func TestEphemeralWhenTargetUserLacksCreateDB(t *testing.T) {
	role := "guard_nocreatedb_" + pgtest.RandomSuffix()
	password := "pw-" + pgtest.RandomSuffix()
	admin := pgtest.Server(t)
	pgtest.Exec(t, admin, fmt.Sprintf(`CREATE ROLE %s LOGIN NOCREATEDB PASSWORD '%s'`, role, password))
	t.Cleanup(func() { pgtest.Exec(t, admin, `DROP ROLE IF EXISTS `+role) })
	u, err := url.Parse(pgtest.DB(t))
	assert.NoError(t, err)
	u.User = url.UserPassword(role, password)
	target := parse(t, u.String())

	ctx := t.Context()
	sh, err := shadow.New(ctx, shadow.WithTarget(target))
	var unavailable *shadow.UnavailableError
	if errors.As(err, &unavailable) {
		pgtest.SkipOrFail(t, "no local PostgreSQL binaries for an ephemeral cluster")
	}
	assert.NoError(t, err)
	t.Cleanup(func() { _ = sh.Drop(context.Background()) })
	assert.Equal(t, shadow.PlacementEphemeral, sh.Placement())
	assert.NotEqual(t, target.Host, sh.Config().Host)
	assert.NoError(t, sh.Migrate(ctx, example(t), source.V(2)))
	assert.SliceContains(t, schema(t, sh), "posts.author_id")

	socketDir := sh.Config().Host
	assert.NoError(t, sh.Drop(ctx))
	_, err = os.Stat(socketDir)
	assert.True(t, errors.Is(err, os.ErrNotExist), "the ephemeral cluster is gone: %v", err)
}

func TestRefusesTheTarget(t *testing.T) {
	targetURL := pgtest.DB(t)
	target := parse(t, targetURL)
	before := shadowsOfThisProcess(t)

	_, err := shadow.New(t.Context(), shadow.WithTarget(target), shadow.WithShadowURL(targetURL))
	var te *shadow.TargetError
	assert.True(t, errors.As(err, &te), "got %v", err)
	assert.IsError(t, err, shadow.ErrShadowIsTarget)
	assert.Equal(t, "by connection settings", te.How)
	assert.NotEqual(t, "", te.Hint())

	assert.Equal(t, before, shadowsOfThisProcess(t), "nothing was created")
	assert.Equal(t, []string{}, tablesOf(t, targetURL))

	t.Run("same database by another route", func(t *testing.T) {
		// Only the server can tell.
		other := otherRoute(t, targetURL)
		_, err = shadow.New(t.Context(), shadow.WithTarget(target), shadow.WithShadowURL(other))
		assert.True(t, errors.As(err, &te), "got %v", err)
		if strings.HasPrefix(target.Host, "/") {
			assert.Equal(t, "by server identity", te.How)
		} else {
			// localhost and 127.0.0.1 may already match once resolved.
			assert.SliceContains(t, []string{"by server identity", "by connection settings"}, te.How)
		}
		assert.Equal(t, before, shadowsOfThisProcess(t), "nothing was created")
	})
}

// otherRoute returns a URL reaching the same database by a different socket
// directory (a symlink) or, over TCP, by host name instead of address.
func otherRoute(t *testing.T, dbURL string) string {
	t.Helper()
	cfg := parse(t, dbURL)
	u, err := url.Parse(dbURL)
	assert.NoError(t, err)
	if strings.HasPrefix(cfg.Host, "/") {
		link := filepath.Join(t.TempDir(), "sock")
		assert.NoError(t, os.Symlink(cfg.Host, link))
		q := u.Query()
		q.Set("host", link)
		u.RawQuery = q.Encode()
		return u.String()
	}
	// Over TCP: the same server by name instead of address, or back.
	switch cfg.Host {
	case "127.0.0.1":
		u.Host = strings.Replace(u.Host, "127.0.0.1", "localhost", 1)
		return u.String()
	case "localhost":
		u.Host = strings.Replace(u.Host, "localhost", "127.0.0.1", 1)
		return u.String()
	}
	pgtest.SkipOrFail(t, "server at %s is reached over TCP by a name with no second route to it", cfg.Host)
	return ""
}

func tablesOf(t *testing.T, dbURL string) []string {
	t.Helper()
	var names []string
	conn := pgtest.Connect(t, dbURL)
	assert.NoError(t, conn.QueryRow(t.Context(), `SELECT coalesce(array_agg(tablename::text), '{}') FROM pg_tables WHERE schemaname = 'public'`).Scan(&names))
	return names
}

func TestFailingFileNamesFileAndLineAndShadowIsDropped(t *testing.T) {
	src, err := source.Load(fstest.MapFS{
		"1_a.up.sql": {Data: []byte("CREATE TABLE a (id int);\n")},
		"2_b.up.sql": {Data: []byte("-- b\nCREATE TABLE b (id int);\nALTER TABLE b ADD COLUMN x nosuchtype;\n")},
		"3_c.up.sql": {Data: []byte("CREATE TABLE c (id int);\n")},
	}, ".", "mapfs")
	assert.NoError(t, err)
	target := parse(t, pgtest.DB(t))

	// What a runner does: defer Drop, return the error.
	var name string
	run := func(ctx context.Context) (err error) {
		sh, err := shadow.New(ctx, shadow.WithTarget(target))
		if err != nil {
			return err
		}
		name = sh.Name()
		defer func() { err = errors.Join(err, sh.Drop(ctx)) }()
		if err := sh.Migrate(ctx, src, source.V(3)); err != nil {
			assert.IsError(t, sh.Migrate(ctx, src, source.V(3)), shadow.ErrFailed)
			assert.Equal(t, source.V(1), sh.Version())
			return err
		}
		return nil
	}
	err = run(t.Context())
	var me *shadow.MigrationError
	assert.True(t, errors.As(err, &me), "got %v", err)
	assert.Equal(t, "2_b.up.sql", me.File)
	assert.Equal(t, [2]int{3, 28}, [2]int{me.Line, me.Column})
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr))
	assert.Equal(t, pgerrcode.UndefinedObject, pgErr.Code)
	assert.Contains(t, err.Error(), `2_b.up.sql in shadow (line 3, column 28): ERROR: type "nosuchtype" does not exist`)
	assert.NotEqual(t, "", name)
	assert.False(t, databaseExists(t, name), "the shadow is dropped after a failure")
}

func TestDropAfterCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	sh, err := shadow.New(ctx, shadow.WithTarget(parse(t, pgtest.DB(t))))
	assert.NoError(t, err)
	assert.True(t, databaseExists(t, sh.Name()))
	cancel()
	assert.Error(t, sh.Migrate(ctx, example(t), source.V(1)))
	assert.NoError(t, sh.Drop(ctx))
	assert.False(t, databaseExists(t, sh.Name()))
}

func TestCancelReachesTheShadowServer(t *testing.T) {
	src, err := source.Load(fstest.MapFS{"1_slow.up.sql": {Data: []byte("SELECT pg_sleep(60);\n")}}, ".", "slow")
	assert.NoError(t, err)
	sh, err := shadow.New(t.Context(), shadow.WithTarget(parse(t, pgtest.DB(t))))
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, sh.Drop(context.Background())) })

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		defer cancel()
		waitSleeping(t, sh.Name())
	}()
	err = sh.Migrate(ctx, src, source.V(1))
	var pgErr *pgconn.PgError
	assert.True(t, errors.As(err, &pgErr), "cancelled by the server: %v", err)
	assert.Equal(t, pgerrcode.QueryCanceled, pgErr.Code)
	assert.IsError(t, err, context.Canceled)
}

// waitSleeping polls until a pg_sleep runs in database name.
func waitSleeping(t *testing.T, name string) {
	conn := pgtest.Connect(t, pgtest.Server(t))
	for {
		var yes bool
		err := conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE datname = $1 AND state = 'active' AND query LIKE '%pg_sleep%')`, name).Scan(&yes)
		if err != nil || yes {
			return
		}
		select {
		case <-t.Context().Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestSIGTERMDropsShadow(t *testing.T) {
	cmd, name, stderr := startReplayer(t)
	waitSleeping(t, name) // mid-run: the migration is executing
	assert.True(t, databaseExists(t, name))

	assert.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	assert.NoError(t, cmd.Wait(), "helper: %s", stderr.String())
	assert.Contains(t, stderr.String(), "canceling statement due to user request")
	assert.False(t, databaseExists(t, name), "SIGTERM must drop the shadow")
}

func TestShadowReplaysWithTheTargetsSessionSettings(t *testing.T) {
	src, err := source.Load(fstest.MapFS{
		"1_app.up.sql": {Data: []byte("CREATE SCHEMA app;\nCREATE TABLE t (id int);\n")},
	}, ".", "mapfs")
	assert.NoError(t, err)
	u, err := url.Parse(pgtest.DB(t))
	assert.NoError(t, err)
	q := u.Query()
	q.Set("search_path", "app")
	u.RawQuery = q.Encode()

	sh, err := shadow.New(t.Context(), shadow.WithTarget(parse(t, u.String())), shadow.WithShadowURL(pgtest.Server(t)))
	assert.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, sh.Drop(context.Background())) })
	assert.NoError(t, sh.Migrate(t.Context(), src, source.V(1)))
	var schema string
	assert.NoError(t, sh.Conn().QueryRow(t.Context(), `SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = 't'`).Scan(&schema))
	assert.Equal(t, "app", schema)
}

// startReplayer starts this test binary as a helper process that replays a
// sleeping migration into a shadow of a database of its own, and returns
// it with the shadow's name (which it prints once the shadow exists) and
// what it writes on stderr.
func startReplayer(t *testing.T) (*exec.Cmd, string, *strings.Builder) {
	t.Helper()
	target := pgtest.DB(t)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+target)
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	assert.NoError(t, err)
	assert.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	line, err := bufio.NewReader(out).ReadString('\n')
	assert.NoError(t, err, "helper: %s", stderr.String())
	name := strings.TrimSpace(line)
	assert.True(t, strings.HasPrefix(name, shadow.Prefix), "helper said %q", line)
	return cmd, name, stderr
}
