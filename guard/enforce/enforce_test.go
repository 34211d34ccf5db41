package enforce_test

import (
	"context"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/enforce"
	"github.com/schemaguard/guard/guard/schema"
)

const appSchema = `
CREATE TABLE users (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name  text,
    age   integer DEFAULT 0
);
CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL, extra text)`

func TestHandRunDDLOnALockedTableAutoMode(t *testing.T) {
	f := newFixture(t, appSchema)
	res := f.install(f.lock(contract.ModeAuto, "users"))
	assert.Equal(t, []string{"public.users"}, res.Enforced)

	f.rejected(`ALTER TABLE users DROP COLUMN email`, "ALTER TABLE rejected", "locked table public.users (auto mode)", "column email removed")
	assert.Equal(t, []string{"id", "email", "name", "age"}, f.columns("users"), "the column is still there")
	f.rejected(`ALTER TABLE users RENAME COLUMN email TO mail`, "column email renamed to mail")
	f.rejected(`ALTER TABLE users ALTER COLUMN age TYPE bigint`, "column age type changed from integer to bigint")
	f.rejected(`ALTER TABLE users ALTER COLUMN name SET NOT NULL`, "column name NOT NULL added")
	f.rejected(`ALTER TABLE users ALTER COLUMN age DROP DEFAULT`, "column age default removed")
	f.rejected(`ALTER TABLE users ADD COLUMN tenant bigint NOT NULL`, "column tenant added NOT NULL without a default")
	f.rejected(`ALTER TABLE users RENAME TO accounts`, "table public.users renamed to public.accounts")
	_, err := f.conn.Exec(context.Background(), `CREATE SCHEMA archive AUTHORIZATION `+f.owner)
	assert.NoError(t, err)
	f.rejected(`ALTER TABLE users SET SCHEMA archive`, "table public.users renamed to archive.users")
	f.rejected(`DROP TABLE users`, "DROP TABLE rejected", "table public.users dropped")
	f.rejected(`DROP TABLE users CASCADE`, "table public.users dropped")
	// A statement rejected in a transaction takes the whole transaction
	// with it.
	f.rejected(`BEGIN; ALTER TABLE users ADD COLUMN a text; ALTER TABLE users DROP COLUMN name; COMMIT`, "column name removed")
	assert.Equal(t, []string{"id", "email", "name", "age"}, f.columns("users"))

	// What auto mode accepts.
	f.passed(`ALTER TABLE users ADD COLUMN bio text`)
	f.passed(`ALTER TABLE users ALTER COLUMN email DROP NOT NULL`)
	f.passed(`CREATE INDEX users_name_idx ON users (name)`)
	f.passed(`ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x'`)
	assert.Equal(t, []string{"id", "email", "name", "age", "bio"}, f.columns("users"))

	// Unlocked tables are never touched.
	f.passed(`ALTER TABLE notes DROP COLUMN extra`)
	f.passed(`ALTER TABLE notes RENAME COLUMN body TO text_body; ALTER TABLE notes ALTER COLUMN id TYPE numeric`)
	f.passed(`DROP TABLE notes`)
	f.passed(`CREATE TABLE other (a int); DROP TABLE other`)
}

func TestStrictModeRejectsAnyChange(t *testing.T) {
	f := newFixture(t, appSchema)
	f.install(f.lock(contract.ModeStrict, "users"))

	f.rejected(`ALTER TABLE users ADD COLUMN bio text`, "locked table public.users (strict mode)", "column bio added")
	f.rejected(`ALTER TABLE users ALTER COLUMN email DROP NOT NULL`, "column email NOT NULL dropped")
	f.rejected(`CREATE INDEX users_name_idx ON users (name)`, "create index on the table")
	f.rejected(`ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0)`, "strict mode forbids any change")
	f.rejected(`ALTER TABLE users DROP CONSTRAINT users_pkey`, "table constraint", "users_pkey")
	f.rejected(`ALTER TABLE users DROP COLUMN email`, "column")
	assert.Equal(t, []string{"id", "email", "name", "age"}, f.columns("users"))

	f.passed(`ALTER TABLE notes ADD COLUMN bio text`)
	f.passed(`CREATE INDEX notes_body_idx ON notes (body)`)
}

func TestModeNoneRejectsNothing(t *testing.T) {
	f := newFixture(t, appSchema)
	f.install(f.lock(contract.ModeNone, "users"))
	f.passed(`ALTER TABLE users DROP COLUMN email`)
	f.passed(`ALTER TABLE users RENAME TO accounts`)
}

func TestPerTableModeOverridesTheContracts(t *testing.T) {
	f := newFixture(t, appSchema)
	c := f.lock(contract.ModeNone, "users")
	lt, err := c.Find("users")
	assert.NoError(t, err)
	lt.Mode = contract.ModeStrict
	f.install(c)
	f.rejected(`ALTER TABLE users ADD COLUMN bio text`, "(strict mode)")
}

func TestInstallWithoutSuperuserRefusesAndChangesNothing(t *testing.T) {
	f := newFixture(t, appSchema)
	cfg, err := pgx.ParseConfig(f.devURL)
	assert.NoError(t, err)
	cfg.Password = f.devPass
	ctx := context.Background()
	dev, err := pgx.ConnectConfig(ctx, cfg)
	assert.NoError(t, err)
	defer dev.Close(ctx)

	_, err = enforce.Install(ctx, dev, f.lock(contract.ModeAuto))
	var pe *enforce.PrivilegeError
	assert.True(t, errorsAs(err, &pe), "%v", err)
	assert.Equal(t, f.dev, pe.Role)
	assert.Contains(t, err.Error(), "not a superuser")
	assert.Contains(t, pe.Hint(), "superuser")
	_, err = enforce.Remove(ctx, dev)
	assert.True(t, errorsAs(err, &pe), "%v", err)
	assert.Equal(t, enforceObjects{}, f.objects(), "nothing was created")
	f.passed(`ALTER TABLE users DROP COLUMN email`)
}

// enforceObjects counts what contract enforcement leaves in the catalogs.
type enforceObjects struct {
	EventTriggers, Schemas, Relations, Functions, Types int
}

func (f *fixture) objects() enforceObjects {
	f.t.Helper()
	var o enforceObjects
	err := f.conn.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'guard%' OR evtfoid IN
			(SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'guard_enforce'))::int,
		(SELECT count(*) FROM pg_namespace WHERE nspname = 'guard_enforce')::int,
		(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'guard_enforce')::int,
		(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'guard_enforce' OR p.proname LIKE 'on\_ddl%' OR p.proname LIKE 'on\_sql\_drop%')::int,
		(SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'guard_enforce')::int`).
		Scan(&o.EventTriggers, &o.Schemas, &o.Relations, &o.Functions, &o.Types)
	assert.NoError(f.t, err)
	return o
}

func TestRemoveLeavesNothingBehind(t *testing.T) {
	f := newFixture(t, appSchema)
	before := f.objects()
	assert.Equal(t, enforceObjects{}, before)
	f.install(f.lock(contract.ModeStrict))
	in := f.objects()
	assert.Equal(t, 2, in.EventTriggers)
	assert.True(t, in.Relations > 0 && in.Functions > 0)
	f.rejected(`ALTER TABLE users ADD COLUMN bio text`)

	res, err := enforce.Remove(context.Background(), f.conn)
	assert.NoError(t, err)
	assert.True(t, res.Removed)
	assert.Equal(t, before, f.objects())
	f.passed(`ALTER TABLE users ADD COLUMN bio text; ALTER TABLE users DROP COLUMN email`)

	res, err = enforce.Remove(context.Background(), f.conn)
	assert.NoError(t, err)
	assert.False(t, res.Removed, "nothing to remove is a result")
}

func TestInstallTwiceUpgradesInPlace(t *testing.T) {
	f := newFixture(t, appSchema)
	f.install(f.lock(contract.ModeAuto, "users"))
	f.install(f.lock(contract.ModeStrict, "users"))
	assert.Equal(t, 2, f.objects().EventTriggers)
	f.rejected(`ALTER TABLE users ADD COLUMN bio text`, "(strict mode)")
}

func TestSyncAndStatus(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, appSchema)
	c := f.lock(contract.ModeAuto, "users")

	st, err := enforce.Status(ctx, f.conn, c)
	assert.NoError(t, err)
	assert.False(t, st.Installed)

	f.install(c)
	st, err = enforce.Status(ctx, f.conn, c)
	assert.NoError(t, err)
	assert.True(t, st.Installed)
	assert.True(t, st.InSync, "%+v", st)
	assert.Equal(t, contract.ModeAuto, st.Mode)
	assert.Equal(t, []enforce.TableStatus{{Table: "public.users", Kind: "table", Mode: contract.ModeAuto, Columns: 4, Unjudged: []string{}}}, st.Tables)
	assert.Equal(t, 2, len(st.EventTriggers))
	assert.Equal(t, []string{}, st.Warnings)

	// The contract file moves on (a table locked, the mode changed): the
	// database's copy disagrees until synced.
	c2 := f.lock(contract.ModeStrict, "users", "notes")
	st, err = enforce.Status(ctx, f.conn, c2)
	assert.NoError(t, err)
	assert.False(t, st.InSync)
	assert.Equal(t, []string{"public.notes"}, st.Missing)
	assert.Equal(t, 1, len(st.Warnings))
	f.passed(`ALTER TABLE notes DROP COLUMN extra`)

	res, err := enforce.Sync(ctx, f.conn, c2)
	assert.NoError(t, err)
	assert.Equal(t, []string{"public.notes", "public.users"}, res.Enforced)
	st, err = enforce.Status(ctx, f.conn, c2)
	assert.NoError(t, err)
	assert.True(t, st.InSync)
	assert.Equal(t, contract.ModeStrict, st.Mode)
	f.rejected(`ALTER TABLE notes ADD COLUMN bio text`, "locked table public.notes (strict mode)")

	// Sync without enforcement installed.
	_, err = enforce.Remove(ctx, f.conn)
	assert.NoError(t, err)
	_, err = enforce.Sync(ctx, f.conn, c2)
	assert.IsError(t, err, enforce.ErrNotInstalled)
	res, err = enforce.SyncIfInstalled(ctx, f.conn, c2)
	assert.NoError(t, err)
	assert.Zero(t, res)
}

// A column the contract holds otherwise than the database (promoted from
// the migrations, not applied yet) is not judged; the others are.
func TestPromotedAheadOfTheDatabase(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, appSchema)
	c := f.lock(contract.ModeAuto, "users")
	// The contract as the migrations will make users: email dropped, name
	// retyped, a new column.
	lt, err := c.Find("users")
	assert.NoError(t, err)
	var cols []schema.Column
	for _, col := range lt.Snapshot.Columns {
		switch col.Name {
		case "email":
			continue
		case "name":
			col.Type = "character varying(40)"
		}
		cols = append(cols, col)
	}
	lt.Snapshot.Columns = append(cols, schema.Column{Name: "tenant", Type: "bigint", NotNull: true})
	res := f.install(c)
	assert.Equal(t, []string{`public.users.email`, `public.users.name`}, res.Unjudged)
	st, err := enforce.Status(ctx, f.conn, c)
	assert.NoError(t, err)
	assert.Equal(t, []string{`public.users.email`, `public.users.name`}, st.Tables[0].Unjudged)

	f.passed(`ALTER TABLE users DROP COLUMN email`)
	f.passed(`ALTER TABLE users ALTER COLUMN name TYPE varchar(40)`)
	f.rejected(`ALTER TABLE users DROP COLUMN age`, "column age removed")
}

func TestPassIsScopedToItsTransaction(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, appSchema)
	f.install(f.lock(contract.ModeAuto, "users"))
	conn := f.conn

	pass, err := enforce.Begin(ctx, conn)
	assert.NoError(t, err)
	assert.NotZero(t, pass)
	name, token := pass.Setting()
	assert.Equal(t, enforce.PassSetting, name)

	// Another token, or none, does not pass.
	_, err = conn.Exec(ctx, `SET LOCAL guard.enforce_pass = 'forged'; ALTER TABLE users DROP COLUMN name`, pgx.QueryExecModeSimpleProtocol)
	assert.Equal(t, enforce.SQLState, sqlState(err), "%v", err)
	// The token passes, in its transaction only.
	_, err = conn.Exec(ctx, `SET LOCAL guard.enforce_pass = '`+token+`'; ALTER TABLE users DROP COLUMN name`, pgx.QueryExecModeSimpleProtocol)
	assert.NoError(t, err)
	_, err = conn.Exec(ctx, `ALTER TABLE users DROP COLUMN age`, pgx.QueryExecModeSimpleProtocol)
	assert.Equal(t, enforce.SQLState, sqlState(err), "the next transaction of the same session has no pass: %v", err)
	// Another session with the token, once the pass is ended, does not pass.
	assert.NoError(t, pass.End(ctx, conn))
	f.rejected(`SET guard.enforce_pass = '`+token+`'; ALTER TABLE users DROP COLUMN age`, "column age removed")
	assert.Equal(t, []string{"id", "email", "age"}, f.columns("users"))

	// Without enforcement there is no pass to write.
	_, err = enforce.Remove(ctx, conn)
	assert.NoError(t, err)
	pass, err = enforce.Begin(ctx, conn)
	assert.NoError(t, err)
	assert.Zero(t, pass)
}

// The trigger is a SECURITY DEFINER function: dev, who may read nothing of
// guard_enforce, is still judged, and cannot write a pass of its own.
func TestDevCannotWriteAPass(t *testing.T) {
	f := newFixture(t, appSchema)
	f.install(f.lock(contract.ModeAuto, "users"))
	out, ok := f.psql(`INSERT INTO guard_enforce.passes (digest) VALUES ('x')`)
	assert.False(t, ok)
	assert.Contains(t, out, "permission denied")
	out, ok = f.psql(`SELECT * FROM guard_enforce.locked`)
	assert.False(t, ok)
	assert.Contains(t, out, "permission denied")
}

func TestLockedViews(t *testing.T) {
	f := newFixture(t, appSchema+`; CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18`)
	c := f.lock(contract.ModeAuto) // every table and view
	res := f.install(c)
	assert.Equal(t, []string{"public.adults", "public.notes", "public.users"}, res.Enforced)

	f.rejected(`DROP VIEW adults`, "DROP VIEW rejected", "locked view public.adults (auto mode)", "view public.adults dropped")
	f.rejected(`ALTER VIEW adults RENAME TO grown_ups`, "view public.adults renamed to public.grown_ups")
	f.rejected(`ALTER VIEW adults RENAME COLUMN email TO mail`, "column email renamed to mail")
	f.rejected(`CREATE OR REPLACE VIEW adults AS SELECT id, email FROM users WHERE age >= 21`, "view public.adults query changed beyond its select list")
	f.passed(`CREATE OR REPLACE VIEW adults AS SELECT id, email, name FROM users WHERE age >= 18`)

	c.SetMode(contract.ModeStrict)
	_, err := enforce.Sync(context.Background(), f.conn, c)
	assert.NoError(t, err)
	f.rejected(`CREATE OR REPLACE VIEW adults AS SELECT id, email, name, age FROM users WHERE age >= 18`, "locked view public.adults (strict mode)")
}

// A role that runs guard migrate without being a superuser, given to
// install as a migrator, writes its pass and syncs; without it, it cannot.
func TestMigratorRole(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, appSchema)
	c := f.lock(contract.ModeAuto, "users")
	cfg, err := pgx.ParseConfig(f.devURL)
	assert.NoError(t, err)
	cfg.Password = f.devPass
	dev, err := pgx.ConnectConfig(ctx, cfg)
	assert.NoError(t, err)
	defer dev.Close(ctx)

	_, err = enforce.Install(ctx, f.conn, c)
	assert.NoError(t, err)
	_, err = enforce.Begin(ctx, dev)
	assert.Error(t, err)
	assert.Contains(t, err.Error(), "permission denied for schema guard_enforce")
	assert.Contains(t, err.Error(), "install --migrator")
	_, err = enforce.Sync(ctx, dev, c)
	assert.Error(t, err)
	ok, err := enforce.Installed(ctx, dev)
	assert.NoError(t, err)
	assert.True(t, ok, "any role may ask")
	_, err = enforce.Status(ctx, dev, c)
	assert.Contains(t, err.Error(), "install --migrator")

	_, err = enforce.Install(ctx, f.conn, c, enforce.WithMigrators(f.dev))
	assert.NoError(t, err)
	pass, err := enforce.Begin(ctx, dev)
	assert.NoError(t, err)
	name, token := pass.Setting()
	_, err = dev.Exec(ctx, `SET LOCAL `+name+` = '`+token+`'; ALTER TABLE users DROP COLUMN name`, pgx.QueryExecModeSimpleProtocol)
	assert.NoError(t, err)
	assert.NoError(t, pass.End(ctx, dev))
	res, err := enforce.Sync(ctx, dev, c)
	assert.NoError(t, err)
	assert.Equal(t, []string{"public.users"}, res.Enforced)
	st, err := enforce.Status(ctx, dev, c)
	assert.NoError(t, err)
	assert.True(t, st.InSync)
	_, err = enforce.Install(ctx, dev, c)
	var pe *enforce.PrivilegeError
	assert.True(t, errorsAs(err, &pe), "a migrator is no superuser: %v", err)
}

// Unlocked tables are never judged, even while a locked table's shape is
// one its mode forbids (changed while the triggers were disabled); a type
// the locked table uses, renamed, changes its column's type.
func TestUnlockedTablesAreNeverJudged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, `CREATE TYPE mood AS ENUM ('ok', 'sad'); `+appSchema+`; ALTER TABLE users ADD COLUMN m mood;
		CREATE TABLE kids (toy text) INHERITS (notes)`)
	f.install(f.lock(contract.ModeAuto, "users", "kids"))
	_, err := f.conn.Exec(ctx, `ALTER EVENT TRIGGER guard_enforce_ddl_command_end DISABLE; ALTER EVENT TRIGGER guard_enforce_sql_drop DISABLE;
		ALTER TABLE users DROP COLUMN name;
		ALTER EVENT TRIGGER guard_enforce_ddl_command_end ENABLE; ALTER EVENT TRIGGER guard_enforce_sql_drop ENABLE`)
	assert.NoError(t, err)
	f.passed(`ALTER TABLE notes ADD COLUMN extra2 text; CREATE TABLE other (a int); DROP TABLE other`)
	f.rejected(`ALTER TABLE users ADD COLUMN bio text`, "column name removed")

	// A table inheriting from an unlocked one is changed with it.
	f.rejected(`ALTER TABLE notes ALTER COLUMN body TYPE varchar(10)`, "locked table public.kids", "column body type changed")
	// Renaming the enum type retypes the locked column.
	f.rejected(`ALTER TYPE mood RENAME TO feeling`, "ALTER TYPE rejected", "column m type changed from public.mood to public.feeling")
}

// A view locked in a schema no locked table is in.
func TestLockedViewInAnotherSchema(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, appSchema)
	_, err := f.conn.Exec(ctx, `CREATE SCHEMA reports AUTHORIZATION `+f.owner+`; SET ROLE `+f.owner+`;
		CREATE VIEW reports.emails AS SELECT id, email FROM public.users; RESET ROLE`)
	assert.NoError(t, err)
	live, err := schema.Inspect(ctx, f.conn, schema.WithSchemas("reports"))
	assert.NoError(t, err)
	c := contract.New()
	_, err = c.Lock(live, nil, contract.ModeAuto, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	assert.NoError(t, err)
	res := f.install(c)
	assert.Equal(t, []string{"reports.emails"}, res.Enforced)
	f.rejected(`DROP VIEW reports.emails`, "view reports.emails dropped")
	f.passed(`ALTER TABLE users ADD COLUMN bio text`)
}

func TestPrivilegesOfLockedTables(t *testing.T) {
	f := newFixture(t, appSchema+`; GRANT SELECT, INSERT ON users TO PUBLIC; GRANT UPDATE (name) ON users TO PUBLIC; GRANT SELECT ON notes TO PUBLIC`)
	c := f.lock(contract.ModeAuto, "users")
	f.install(c)
	f.rejected(`REVOKE INSERT ON users FROM PUBLIC`, "REVOKE rejected", "privilege INSERT revoked from PUBLIC")
	f.rejected(`REVOKE UPDATE (name) ON users FROM PUBLIC`, "privilege UPDATE on column name revoked from PUBLIC")
	f.passed(`GRANT DELETE ON users TO PUBLIC`)
	f.passed(`REVOKE SELECT ON notes FROM PUBLIC`)

	// Locked again as it is now (the DELETE granted), in strict mode.
	_, err := enforce.Sync(context.Background(), f.conn, f.lock(contract.ModeStrict, "users"))
	assert.NoError(t, err)
	f.rejected(`GRANT UPDATE ON users TO PUBLIC`, "(strict mode)", "privilege UPDATE granted to PUBLIC")
	f.rejected(`REVOKE DELETE ON users FROM PUBLIC`, "privilege DELETE revoked from PUBLIC")
}
