package guard_test

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/enforce"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgcluster"
	"github.com/schemaguard/guard/internal/pgtest"
)

// A database that holds what its history did not create: a table and a
// trigger function made by hand, an extension a DBA installed, and a role
// that exists only on the target's server. The pending files use each.
func liveOnlyHistory(role string) []string {
	return []string{
		"1_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);",
		"2_legacy_touch.up.sql", "CREATE TRIGGER legacy_touch BEFORE INSERT ON legacy FOR EACH ROW EXECUTE FUNCTION touch_note();",
		"3_users_email.up.sql", "ALTER TABLE users ADD COLUMN email citext;",
		"4_grant_reports.up.sql", "GRANT SELECT ON legacy TO " + pgx.Identifier{role}.Sanitize() + ";",
	}
}

// byHand makes, as the database's owner, what the history does not create.
const byHand = `CREATE TABLE legacy (id int PRIMARY KEY, note text);
CREATE FUNCTION touch_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := coalesce(NEW.note, '') || '!'; RETURN NEW; END $$;`

// The dry-run starts from a copy of the live schema when the live database
// holds what its history does not (history drift), so that pending files
// that use it plan and apply — with the shadow on a shadow server lacking
// the role (a stand-in is made and dropped), on the target's own server,
// and on the ephemeral cluster (a role without CREATEDB).
func TestPlanStartsFromACopyOfTheLiveSchema(t *testing.T) {
	shadowServer, err := pgcluster.Start(context.Background())
	if err != nil {
		pgtest.SkipOrFail(t, "no second cluster for --shadow-url: %v", err)
	}
	t.Cleanup(func() { _ = shadowServer.Stop() })

	for _, tc := range []struct {
		name      string
		plain     bool // the target's user is a plain role (no CREATEDB): the ephemeral cluster
		shadowURL string
		placement string
	}{
		{"shadow URL", false, shadowServer.URL("postgres"), "shadow-url"},
		{"target's server", false, "", "target-server"},
		{"ephemeral cluster", true, "", "ephemeral"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			role := "guard_reports_" + pgtest.RandomSuffix() // on the target's server only
			pgtest.Exec(t, pgtest.Server(t), `CREATE ROLE `+role+` NOLOGIN`)
			t.Cleanup(func() { pgtest.Exec(t, pgtest.Server(t), `DROP ROLE IF EXISTS `+role) })
			url := pgtest.DB(t)
			cfg := config(t, url)
			owner := ""
			if tc.plain {
				owner = plainOwner(t, url)
				cfg.User = owner
			}
			fsys := files(liveOnlyHistory(role)...)
			var opts []guard.Option
			if tc.shadowURL != "" {
				opts = append(opts, guard.WithShadowURL(tc.shadowURL))
			}
			src, err := source.Load(fsys, ".", "migrations")
			assert.NoError(t, err)
			r, err := guard.New(cfg, src, opts...)
			assert.NoError(t, err)
			_, err = r.Up(ctx, 1)
			assert.NoError(t, err)
			pgtest.Exec(t, url, `CREATE EXTENSION citext`) // by the DBA
			if owner != "" {
				pgtest.Exec(t, url, `SET ROLE `+owner+`; `+byHand)
			} else {
				pgtest.Exec(t, url, byHand)
			}

			p, err := r.Plan(ctx)
			assert.NoError(t, err)
			assert.Equal(t, guard.StartLiveCopy, p.Shadow.Start, "%v", p.Warnings)
			assert.Equal(t, tc.placement, p.Shadow.Placement)
			assert.Contains(t, p.Shadow.StartReason, "history drift: planned on a copy of the live schema")
			assert.NotZero(t, len(p.HistoryDrift))
			assert.Equal(t, 3, len(p.Steps))

			res, err := r.Up(ctx, 0)
			assert.NoError(t, err)
			assert.Equal(t, 3, len(res.Applied))
			v, dirty := version(t, url)
			assert.Equal(t, int64(4), v)
			assert.False(t, dirty)
			assert.True(t, query[bool](t, url, `SELECT EXISTS (SELECT FROM pg_trigger WHERE tgname = 'legacy_touch')`))
			assert.True(t, query[bool](t, url, `SELECT has_table_privilege($1, 'legacy', 'SELECT')`, role))
			if tc.shadowURL != "" {
				// The stand-in made on the shadow server is gone with the shadow.
				assert.False(t, query[bool](t, tc.shadowURL, `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)`, role))
			}
		})
	}
}

// A pending file that needs an object the history does not create plans
// on a copy of the live schema even when the live schema shows no drift
// the model sees; with --fail-on-drift, history drift is an error and
// nothing is applied.
func TestMissingObjectPlansOnACopyAndFailOnDrift(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := pgtest.DB(t)
	fsys := files(
		"1_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY); CREATE SCHEMA util;",
		"2_audit.up.sql", "CREATE TRIGGER users_audit AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION util.audit_row();",
	)
	r := runner(t, url, fsys)
	_, err := r.Up(ctx, 1)
	assert.NoError(t, err)
	// A function made by hand in a schema out of scope: not in the schema
	// guard reads, so no drift is seen, but the pending file fails on the
	// replayed history.
	pgtest.Exec(t, url, `CREATE FUNCTION util.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`)

	p, err := r.Plan(ctx)
	assert.NoError(t, err)
	assert.Equal(t, guard.StartLiveCopy, p.Shadow.Start)
	assert.Contains(t, p.Shadow.StartReason, "2_audit.up.sql needs an object the applied migrations do not create")
	assert.Contains(t, p.Shadow.StartReason, "audit_row")

	pgtest.Exec(t, url, `CREATE TABLE legacy (id int)`)
	strict := runner(t, url, fsys, guard.WithFailOnDrift())
	_, err = strict.Up(ctx, 0)
	var de *guard.DriftError
	assert.True(t, errors.As(err, &de), "%v", err)
	assert.Contains(t, de.Hint(), "--fail-on-drift")
	v, _ := version(t, url)
	assert.Equal(t, int64(1), v)

	res, err := r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(res.Applied))
	assert.Equal(t, guard.StartLiveCopy, res.Plan.Shadow.Start)
}

// A pending file that needs an object that exists nowhere fails as it
// would without a copy: the file and the server's message are named.
func TestMissingEverywhereFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := pgtest.DB(t)
	r := runner(t, url, files("1_t.up.sql", "CREATE TABLE t (a int);", "2_u.up.sql", "ALTER TABLE nowhere ADD COLUMN b int;"))
	_, err := r.Up(ctx, 0)
	assert.Error(t, err)
	assert.Contains(t, err.Error(), "2_u.up.sql")
	assert.Contains(t, err.Error(), `relation "nowhere" does not exist`)
	assert.NotContains(t, err.Error(), "could not be copied")
	assert.False(t, query[bool](t, url, `SELECT to_regclass('t') IS NOT NULL`), "nothing applied")
}

// A live database holding guard's own contract enforcement (guard contract
// enforce install: the guard_enforce schema and two event triggers) is
// copied without it: a shadow server where guard's role is no superuser
// could not make the event triggers again, and they are not the app's.
func TestCopyOfTheLiveSchemaLeavesOutEnforcement(t *testing.T) {
	shadowServer, err := pgcluster.Start(context.Background())
	if err != nil {
		pgtest.SkipOrFail(t, "no second cluster for --shadow-url: %v", err)
	}
	t.Cleanup(func() { _ = shadowServer.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pgtest.Exec(t, shadowServer.URL("postgres"), `CREATE ROLE plain_shadow LOGIN CREATEDB`)
	u, err := url.Parse(shadowServer.URL("postgres"))
	assert.NoError(t, err)
	u.User = url.User("plain_shadow")
	shadowURL := u.String()

	db := pgtest.DB(t)
	fsys := files("1_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);",
		"2_email.up.sql", "ALTER TABLE users ADD COLUMN email text;")
	src, err := source.Load(fsys, ".", "migrations")
	assert.NoError(t, err)
	contractPath := filepath.Join(t.TempDir(), "guard.contract.json")
	r, err := guard.New(config(t, db), src, guard.WithShadowURL(shadowURL), guard.WithContract(contractPath))
	assert.NoError(t, err)
	_, err = r.Up(ctx, 1)
	assert.NoError(t, err)

	conn := pgtest.Connect(t, db)
	live, err := schema.Inspect(ctx, conn)
	assert.NoError(t, err)
	c, err := contract.Load(contractPath)
	assert.NoError(t, err)
	_, err = c.Lock(live, []string{"users"}, contract.ModeAuto, time.Now())
	assert.NoError(t, err)
	assert.NoError(t, c.Save(contractPath))
	_, err = enforce.Install(ctx, conn, c)
	assert.NoError(t, err)
	t.Cleanup(func() { _, _ = enforce.Remove(context.Background(), pgtest.Connect(t, db)) })
	pgtest.Exec(t, db, `CREATE TABLE legacy (id int PRIMARY KEY)`) // history drift

	p, err := r.Plan(ctx)
	assert.NoError(t, err)
	assert.Equal(t, guard.StartLiveCopy, p.Shadow.Start, "%v", p.Warnings)
	assert.Equal(t, 1, len(p.Steps))
	res, err := r.Up(ctx, 0)
	assert.NoError(t, err)
	assert.Equal(t, 1, len(res.Applied))
}
