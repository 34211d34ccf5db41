package diff_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type kind struct {
	Kind   diff.Kind
	Impact diff.Impact
}

// classifyCase is one row of the acceptance table: the schema built by
// before, the migration after applied on top of it, and the changes expected
// (as a multiset of kind and impact).
type classifyCase struct {
	name   string
	before string
	after  string
	want   []kind
}

var (
	safe     = diff.Safe
	risky    = diff.Risky
	breaking = diff.Breaking
)

const usersTable = `
CREATE TABLE users (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name  varchar(20),
    age   integer,
    score numeric(10,2),
    bio   text DEFAULT '',
    seen  timestamp(3)
);`

const usersAndPosts = usersTable + `
CREATE TABLE posts (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title   text NOT NULL
);
CREATE INDEX posts_user_id_idx ON posts (user_id);`

const bookings = `
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE bookings (
    id        int PRIMARY KEY,
    room      text NOT NULL,
    starts_on date NOT NULL,
    ends_on   date NOT NULL,
    cancelled boolean NOT NULL DEFAULT false,
    during    tstzrange
);`

const bookingsExcl = bookings + `
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
    EXCLUDE USING gist (room WITH =, daterange(starts_on, ends_on, '[]') WITH &&) WHERE (NOT cancelled);`

const fnAdd = `
CREATE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + b;`

const fnTouch = `
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.seen := now()::timestamp(3); RETURN NEW; END $$;`

const usersTouched = usersTable + fnTouch + `
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();`

const usersRLS = usersTable + `
CREATE POLICY users_own ON users USING (email = current_user);
ALTER TABLE users ENABLE ROW LEVEL SECURITY;`

const eventsPartitioned = `
CREATE TABLE events (id int NOT NULL, at date NOT NULL, body text) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');`

var classifyCases = []classifyCase{
	// Tables.
	{"table added", usersTable, `CREATE TABLE tags (id int PRIMARY KEY, name text NOT NULL)`,
		[]kind{{diff.TableAdded, safe}}},
	{"table removed", usersAndPosts, `DROP TABLE posts`,
		[]kind{{diff.TableRemoved, breaking}}},
	{"table removed with a foreign key pointing at it", usersAndPosts, `DROP TABLE users CASCADE`,
		[]kind{{diff.TableRemoved, breaking}, {diff.ForeignKeyRemoved, safe}}},
	{"table renamed", usersTable, `ALTER TABLE users RENAME TO accounts`,
		[]kind{{diff.TableRenamed, breaking}}},
	{"table renamed, referenced by a foreign key", usersAndPosts, `ALTER TABLE users RENAME TO accounts`,
		[]kind{{diff.TableRenamed, breaking}}},
	{"table renamed and another created under its name", usersTable,
		`ALTER TABLE users RENAME TO users_old; CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)`,
		[]kind{{diff.TableRenamed, breaking}, {diff.TableAdded, safe}}},
	{"table recreated with the same shape", usersAndPosts, `DROP TABLE posts; CREATE TABLE posts (
		    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
		    title   text NOT NULL
		);
		CREATE INDEX posts_user_id_idx ON posts (user_id);`,
		[]kind{{diff.TableRecreated, breaking}}},
	{"table recreated with another shape", `CREATE TABLE t (id int PRIMARY KEY, a text)`,
		`DROP TABLE t; CREATE TABLE t (id int PRIMARY KEY, b text)`,
		[]kind{{diff.TableRecreated, breaking}, {diff.ColumnRemoved, breaking}, {diff.ColumnAdded, safe}}},
	{"table recreated through a rename", `CREATE TABLE t (id int PRIMARY KEY, a text)`,
		`CREATE TABLE t_new (id int NOT NULL, a text); DROP TABLE t; ALTER TABLE t_new RENAME TO t; ALTER TABLE t ADD PRIMARY KEY (id)`,
		[]kind{{diff.TableRecreated, breaking}}},
	{"tables swapped by renames", `CREATE TABLE a (id int); CREATE TABLE b (id int)`,
		`ALTER TABLE a RENAME TO tmp; ALTER TABLE b RENAME TO a; ALTER TABLE tmp RENAME TO b`,
		[]kind{{diff.TableRenamed, breaking}, {diff.TableRenamed, breaking}}},

	// Columns added and removed.
	{"column added nullable", usersTable, `ALTER TABLE users ADD COLUMN nickname text`,
		[]kind{{diff.ColumnAdded, safe}}},
	{"column added NOT NULL with a default", usersTable, `ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true`,
		[]kind{{diff.ColumnAdded, safe}}},
	{"column added NOT NULL without a default", usersTable, `ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL`,
		[]kind{{diff.ColumnAdded, breaking}}},
	{"column added as identity", `CREATE TABLE t (name text)`, `ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY`,
		[]kind{{diff.ColumnAdded, safe}}},
	{"column added as generated", usersTable, `ALTER TABLE users ADD COLUMN email_lower text GENERATED ALWAYS AS (lower(email)) STORED`,
		[]kind{{diff.ColumnAdded, safe}}},
	{"column removed", usersTable, `ALTER TABLE users DROP COLUMN bio`,
		[]kind{{diff.ColumnRemoved, breaking}}},
	{"column removed and another of another type added", usersTable,
		`ALTER TABLE users DROP COLUMN age; ALTER TABLE users ADD COLUMN birthday date`,
		[]kind{{diff.ColumnRemoved, breaking}, {diff.ColumnAdded, safe}}},

	// Renames.
	{"column renamed", usersTable, `ALTER TABLE users RENAME COLUMN email TO email_address`,
		[]kind{{diff.ColumnRenamed, breaking}}},
	{"column renamed with its unique constraint, index and check", usersTable + `
		ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
		ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> '' AND position('email' in email) = 0);
		CREATE INDEX users_lower_email_idx ON users (lower(email)) WHERE email IS NOT NULL;`,
		`ALTER TABLE users RENAME COLUMN email TO email_address`,
		[]kind{{diff.ColumnRenamed, breaking}}},
	{"referenced column renamed", usersAndPosts, `ALTER TABLE users RENAME COLUMN id TO user_id`,
		[]kind{{diff.ColumnRenamed, breaking}}},
	{"column renamed, used by a view", usersTable + `CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18`,
		`ALTER TABLE users RENAME COLUMN age TO years`,
		[]kind{{diff.ColumnRenamed, breaking}, {diff.ViewDefinitionChanged, risky}}},
	{"two columns renamed", usersTable, `ALTER TABLE users RENAME COLUMN name TO full_name; ALTER TABLE users RENAME COLUMN bio TO about`,
		[]kind{{diff.ColumnRenamed, breaking}, {diff.ColumnRenamed, breaking}}},
	{"column dropped and one of the same type added", usersTable, `ALTER TABLE users DROP COLUMN bio; ALTER TABLE users ADD COLUMN about text`,
		[]kind{{diff.ColumnRemoved, breaking}, {diff.ColumnAdded, safe}}},
	{"column recreated with the same shape", usersTable, `ALTER TABLE users DROP COLUMN bio; ALTER TABLE users ADD COLUMN bio text DEFAULT ''`,
		[]kind{{diff.ColumnRecreated, breaking}}},
	{"column recreated with another type", usersTable, `ALTER TABLE users DROP COLUMN age; ALTER TABLE users ADD COLUMN age bigint`,
		[]kind{{diff.ColumnRecreated, breaking}, {diff.ColumnTypeChanged, risky}}},
	{"column renamed and another added under its name", usersTable,
		`ALTER TABLE users RENAME COLUMN name TO old_name; ALTER TABLE users ADD COLUMN name varchar(20)`,
		[]kind{{diff.ColumnRenamed, breaking}, {diff.ColumnAdded, safe}}},
	{"column type changed in place keeps its identity", usersTable, `ALTER TABLE users ALTER COLUMN age TYPE bigint`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"quoted names renamed", `CREATE TABLE "My Table" ("Email" text NOT NULL, "Note" text)`,
		`ALTER TABLE "My Table" RENAME COLUMN "Email" TO "E-mail"`,
		[]kind{{diff.ColumnRenamed, breaking}}},

	// NOT NULL.
	{"NOT NULL added", usersTable, `ALTER TABLE users ALTER COLUMN name SET NOT NULL`,
		[]kind{{diff.ColumnNotNullAdded, breaking}}},
	{"NOT NULL dropped", usersTable, `ALTER TABLE users ALTER COLUMN email DROP NOT NULL`,
		[]kind{{diff.ColumnNotNullDropped, safe}}},

	// Types.
	{"varchar widened", usersTable, `ALTER TABLE users ALTER COLUMN name TYPE varchar(40)`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"varchar narrowed", usersTable, `ALTER TABLE users ALTER COLUMN name TYPE varchar(10)`,
		[]kind{{diff.ColumnTypeChanged, breaking}}},
	{"varchar to text", usersTable, `ALTER TABLE users ALTER COLUMN name TYPE text`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"varchar(n) to varchar", usersTable, `ALTER TABLE users ALTER COLUMN name TYPE varchar`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"text to varchar(n)", usersTable, `ALTER TABLE users ALTER COLUMN email TYPE varchar(100)`,
		[]kind{{diff.ColumnTypeChanged, breaking}}},
	{"char to varchar", `CREATE TABLE t (code char(5))`, `ALTER TABLE t ALTER COLUMN code TYPE varchar(5)`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"integer to bigint", usersTable, `ALTER TABLE users ALTER COLUMN age TYPE bigint`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"smallint to integer", `CREATE TABLE t (n smallint)`, `ALTER TABLE t ALTER COLUMN n TYPE integer`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"bigint to integer", `CREATE TABLE t (n bigint)`, `ALTER TABLE t ALTER COLUMN n TYPE integer`,
		[]kind{{diff.ColumnTypeChanged, breaking}}},
	{"numeric precision up", usersTable, `ALTER TABLE users ALTER COLUMN score TYPE numeric(12,2)`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"numeric scale up keeping integer digits", usersTable, `ALTER TABLE users ALTER COLUMN score TYPE numeric(12,4)`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"numeric scale up losing integer digits", usersTable, `ALTER TABLE users ALTER COLUMN score TYPE numeric(10,4)`,
		[]kind{{diff.ColumnTypeChanged, breaking}}},
	{"numeric scale down", usersTable, `ALTER TABLE users ALTER COLUMN score TYPE numeric(12,1)`,
		[]kind{{diff.ColumnTypeChanged, breaking}}},
	{"numeric to unbounded numeric", usersTable, `ALTER TABLE users ALTER COLUMN score TYPE numeric`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"real to double precision", `CREATE TABLE t (x real)`, `ALTER TABLE t ALTER COLUMN x TYPE double precision`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"timestamp precision up", usersTable, `ALTER TABLE users ALTER COLUMN seen TYPE timestamp(6)`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"timestamp to timestamptz", usersTable, `ALTER TABLE users ALTER COLUMN seen TYPE timestamptz`,
		[]kind{{diff.ColumnTypeChanged, breaking}}},
	{"integer array to bigint array", `CREATE TABLE t (xs integer[])`, `ALTER TABLE t ALTER COLUMN xs TYPE bigint[]`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"integer to text", usersTable, `ALTER TABLE users ALTER COLUMN age TYPE text`,
		[]kind{{diff.ColumnTypeChanged, breaking}}},
	{"text to integer", `CREATE TABLE t (n text)`, `ALTER TABLE t ALTER COLUMN n TYPE integer USING n::integer`,
		[]kind{{diff.ColumnTypeChanged, breaking}}},
	{"text to an enum", `CREATE TYPE mood AS ENUM ('ok', 'sad'); CREATE TABLE t (m text)`,
		`ALTER TABLE t ALTER COLUMN m TYPE mood USING m::mood`,
		[]kind{{diff.ColumnTypeChanged, breaking}}},

	// Defaults.
	{"default added", usersTable, `ALTER TABLE users ALTER COLUMN age SET DEFAULT 0`,
		[]kind{{diff.ColumnDefaultAdded, safe}}},
	{"default changed", usersTable, `ALTER TABLE users ALTER COLUMN bio SET DEFAULT 'none'`,
		[]kind{{diff.ColumnDefaultChanged, risky}}},
	{"default removed, nullable", usersTable, `ALTER TABLE users ALTER COLUMN bio DROP DEFAULT`,
		[]kind{{diff.ColumnDefaultRemoved, risky}}},
	{"default removed, NOT NULL", `CREATE TABLE t (id int, created timestamptz NOT NULL DEFAULT now())`,
		`ALTER TABLE t ALTER COLUMN created DROP DEFAULT`,
		[]kind{{diff.ColumnDefaultRemoved, breaking}}},
	{"serial replaced by identity", `CREATE TABLE t (id serial PRIMARY KEY)`,
		`ALTER TABLE t ALTER COLUMN id DROP DEFAULT; DROP SEQUENCE t_id_seq; ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY`,
		[]kind{{diff.ColumnIdentityAdded, safe}, {diff.SequenceRemoved, risky}}},

	// Identity, generated, collation.
	{"identity added by default", `CREATE TABLE t (id int NOT NULL)`, `ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY`,
		[]kind{{diff.ColumnIdentityAdded, safe}}},
	{"identity added always", `CREATE TABLE t (id int NOT NULL)`, `ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY`,
		[]kind{{diff.ColumnIdentityAdded, breaking}}},
	{"identity by default to always", `CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY)`,
		`ALTER TABLE t ALTER COLUMN id SET GENERATED ALWAYS`,
		[]kind{{diff.ColumnIdentityChanged, breaking}}},
	{"identity always to by default", usersTable, `ALTER TABLE users ALTER COLUMN id SET GENERATED BY DEFAULT`,
		[]kind{{diff.ColumnIdentityChanged, safe}}},
	{"identity dropped", usersTable, `ALTER TABLE users ALTER COLUMN id DROP IDENTITY`,
		[]kind{{diff.ColumnIdentityRemoved, breaking}}},
	{"generation expression dropped", `CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED)`,
		`ALTER TABLE t ALTER COLUMN b DROP EXPRESSION`,
		[]kind{{diff.ColumnGeneratedRemoved, risky}}},
	{"plain column replaced by a generated one", `CREATE TABLE t (a int, b int)`,
		`ALTER TABLE t DROP COLUMN b; ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2) STORED`,
		[]kind{{diff.ColumnGeneratedAdded, breaking}}},
	{"generation expression changed", `CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED)`,
		`ALTER TABLE t DROP COLUMN b; ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 3) STORED`,
		[]kind{{diff.ColumnGeneratedChanged, risky}}},
	{"collation changed", usersTable, `ALTER TABLE users ALTER COLUMN email TYPE text COLLATE "C"`,
		[]kind{{diff.ColumnCollationChanged, risky}}},

	// Primary keys.
	{"primary key added", `CREATE TABLE t (id int NOT NULL, v text)`, `ALTER TABLE t ADD PRIMARY KEY (id)`,
		[]kind{{diff.PrimaryKeyChanged, breaking}}},
	{"primary key added on a nullable column", `CREATE TABLE t (id int, v text)`, `ALTER TABLE t ADD PRIMARY KEY (id)`,
		[]kind{{diff.PrimaryKeyChanged, breaking}, {diff.ColumnNotNullAdded, breaking}}},
	{"primary key removed", `CREATE TABLE t (id int PRIMARY KEY)`, `ALTER TABLE t DROP CONSTRAINT t_pkey`,
		[]kind{{diff.PrimaryKeyChanged, breaking}}},
	{"primary key columns changed", `CREATE TABLE t (id int PRIMARY KEY, tenant int NOT NULL)`,
		`ALTER TABLE t DROP CONSTRAINT t_pkey; ALTER TABLE t ADD PRIMARY KEY (tenant, id)`,
		[]kind{{diff.PrimaryKeyChanged, breaking}}},
	{"primary key renamed", `CREATE TABLE t (id int PRIMARY KEY)`, `ALTER TABLE t RENAME CONSTRAINT t_pkey TO t_pk`,
		nil},

	// Unique.
	{"unique constraint added", usersTable, `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)`,
		[]kind{{diff.UniqueAdded, risky}}},
	{"unique index added", usersTable, `CREATE UNIQUE INDEX users_lower_email_idx ON users (lower(email))`,
		[]kind{{diff.UniqueAdded, risky}}},
	{"partial unique index added", usersTable, `CREATE UNIQUE INDEX users_name_idx ON users (name) WHERE age > 0`,
		[]kind{{diff.UniqueAdded, risky}}},
	{"unique constraint removed", usersTable + `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)`,
		`ALTER TABLE users DROP CONSTRAINT users_email_key`,
		[]kind{{diff.UniqueRemoved, risky}}},
	{"unique index removed", usersTable + `CREATE UNIQUE INDEX users_name_idx ON users (name)`, `DROP INDEX users_name_idx`,
		[]kind{{diff.UniqueRemoved, risky}}},
	{"unique constraint replaced by the same unique index", usersTable + `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)`,
		`ALTER TABLE users DROP CONSTRAINT users_email_key; CREATE UNIQUE INDEX users_email_idx ON users (email)`,
		nil},
	{"unique index promoted to a constraint", usersTable + `CREATE UNIQUE INDEX users_email_idx ON users (email)`,
		`ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx`,
		nil},

	{"unique made NULLS NOT DISTINCT", usersTable + `ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name);`,
		`ALTER TABLE users DROP CONSTRAINT users_name_key; ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE NULLS NOT DISTINCT (name)`,
		[]kind{{diff.UniqueRemoved, risky}, {diff.UniqueAdded, risky}}},
	{"unique NULLS NOT DISTINCT renamed", usersTable + `ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE NULLS NOT DISTINCT (name);`,
		`ALTER TABLE users RENAME CONSTRAINT users_name_key TO users_name_uq`,
		nil},
	{"deferrable unique is not a unique index", usersTable + `ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name) DEFERRABLE;`,
		`ALTER TABLE users DROP CONSTRAINT users_name_key; CREATE UNIQUE INDEX users_name_idx ON users (name)`,
		[]kind{{diff.UniqueRemoved, risky}, {diff.UniqueAdded, risky}}},

	// Checks.
	{"check added", usersTable, `ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0)`,
		[]kind{{diff.CheckAdded, risky}}},
	{"check added NOT VALID", usersTable, `ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0) NOT VALID`,
		[]kind{{diff.CheckAdded, risky}}},
	{"check validated", usersTable + `ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0) NOT VALID`,
		`ALTER TABLE users VALIDATE CONSTRAINT users_age_check`,
		nil},
	{"check removed", usersTable + `ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0)`,
		`ALTER TABLE users DROP CONSTRAINT users_age_check`,
		[]kind{{diff.CheckRemoved, safe}}},
	{"check changed", usersTable + `ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0)`,
		`ALTER TABLE users DROP CONSTRAINT users_age_check; ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 18)`,
		[]kind{{diff.CheckRemoved, safe}, {diff.CheckAdded, risky}}},
	{"check renamed", usersTable + `ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0)`,
		`ALTER TABLE users RENAME CONSTRAINT users_age_check TO age_not_negative`,
		nil},

	// Exclusion constraints.
	{"exclusion added", bookings, `ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)`,
		[]kind{{diff.ExclusionAdded, risky}}},
	{"exclusion with an expression key added", bookings, `
		ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
		EXCLUDE USING gist (room WITH =, daterange(starts_on, ends_on, '[]') WITH &&) WHERE (NOT cancelled)`,
		[]kind{{diff.ExclusionAdded, risky}}},
	{"exclusion removed", bookingsExcl, `ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap`,
		[]kind{{diff.ExclusionRemoved, safe}}},
	{"exclusion changed", bookingsExcl, `
		ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
		ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
		EXCLUDE USING gist (room WITH =, daterange(starts_on, ends_on, '[)') WITH &&) WHERE (NOT cancelled)`,
		[]kind{{diff.ExclusionChanged, risky}}},
	{"exclusion predicate changed", bookingsExcl, `
		ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
		ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
		EXCLUDE USING gist (room WITH =, daterange(starts_on, ends_on, '[]') WITH &&)`,
		[]kind{{diff.ExclusionChanged, risky}}},
	{"exclusion made deferrable", bookingsExcl, `
		ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
		ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
		EXCLUDE USING gist (room WITH =, daterange(starts_on, ends_on, '[]') WITH &&) WHERE (NOT cancelled) DEFERRABLE`,
		[]kind{{diff.ExclusionChanged, risky}}},
	{"exclusion renamed", bookingsExcl, `ALTER TABLE bookings RENAME CONSTRAINT bookings_no_overlap TO bookings_excl`,
		nil},
	{"exclusion recreated identically under another name", bookingsExcl, `
		ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
		ALTER TABLE bookings ADD CONSTRAINT bookings_excl
		EXCLUDE USING gist (room WITH =, daterange(starts_on, ends_on, '[]') WITH &&) WHERE (NOT cancelled)`,
		nil},
	{"column of an exclusion's expression renamed", bookingsExcl, `ALTER TABLE bookings RENAME COLUMN ends_on TO until`,
		[]kind{{diff.ColumnRenamed, breaking}}},
	{"exclusion replaced by one under another name", bookingsExcl, `
		ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
		ALTER TABLE bookings ADD CONSTRAINT bookings_excl EXCLUDE USING gist (room WITH =, daterange(starts_on, ends_on) WITH &&)`,
		[]kind{{diff.ExclusionRemoved, safe}, {diff.ExclusionAdded, risky}}},

	// Foreign keys.
	{"foreign key added", usersTable + `CREATE TABLE posts (id int, user_id bigint)`,
		`ALTER TABLE posts ADD FOREIGN KEY (user_id) REFERENCES users (id)`,
		[]kind{{diff.ForeignKeyAdded, risky}}},
	{"foreign key removed", usersAndPosts, `ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey`,
		[]kind{{diff.ForeignKeyRemoved, safe}}},
	{"foreign key action changed", usersAndPosts,
		`ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey; ALTER TABLE posts ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT`,
		[]kind{{diff.ForeignKeyChanged, risky}}},
	{"foreign key made deferrable", usersAndPosts, `ALTER TABLE posts ALTER CONSTRAINT posts_user_id_fkey DEFERRABLE INITIALLY DEFERRED`,
		[]kind{{diff.ForeignKeyChanged, safe}}},
	{"foreign key no longer deferrable", usersAndPosts + `ALTER TABLE posts ALTER CONSTRAINT posts_user_id_fkey DEFERRABLE INITIALLY DEFERRED;`,
		`ALTER TABLE posts ALTER CONSTRAINT posts_user_id_fkey NOT DEFERRABLE`,
		[]kind{{diff.ForeignKeyChanged, risky}}},
	{"foreign key made MATCH FULL", usersAndPosts,
		`ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey; ALTER TABLE posts ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) MATCH FULL ON DELETE CASCADE`,
		[]kind{{diff.ForeignKeyChanged, risky}}},
	{"foreign key replaced under another name", usersAndPosts,
		`ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey; ALTER TABLE posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (user_id) REFERENCES users (id)`,
		[]kind{{diff.ForeignKeyRemoved, safe}, {diff.ForeignKeyAdded, risky}}},
	{"foreign key renamed", usersAndPosts, `ALTER TABLE posts RENAME CONSTRAINT posts_user_id_fkey TO posts_author_fk`,
		nil},

	// Indexes.
	{"index added", usersTable, `CREATE INDEX users_name_idx ON users (name)`,
		[]kind{{diff.IndexAdded, safe}}},
	{"index removed", usersAndPosts, `DROP INDEX posts_user_id_idx`,
		[]kind{{diff.IndexRemoved, safe}}},
	{"index renamed", usersAndPosts, `ALTER INDEX posts_user_id_idx RENAME TO posts_author_idx`,
		nil},
	{"index recreated identically under another name", usersAndPosts,
		`CREATE INDEX posts_user_idx ON posts (user_id); DROP INDEX posts_user_id_idx`,
		nil},
	{"index changed", usersAndPosts,
		`DROP INDEX posts_user_id_idx; CREATE INDEX posts_user_id_idx ON posts (user_id, id)`,
		[]kind{{diff.IndexRemoved, safe}, {diff.IndexAdded, safe}}},
	// What an interrupted CREATE INDEX CONCURRENTLY leaves (the catalog
	// flag set by hand: the test role is a superuser).
	{"index became invalid", usersAndPosts,
		`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'public.posts_user_id_idx'::regclass`,
		[]kind{{diff.IndexValidityChanged, safe}}},

	// Enums.
	{"enum added", usersTable, `CREATE TYPE mood AS ENUM ('ok', 'sad')`,
		[]kind{{diff.EnumAdded, safe}}},
	{"enum removed", `CREATE TYPE mood AS ENUM ('ok', 'sad')`, `DROP TYPE mood`,
		[]kind{{diff.EnumRemoved, breaking}}},
	{"enum value added", `CREATE TYPE mood AS ENUM ('ok', 'sad')`, `ALTER TYPE mood ADD VALUE 'happy'`,
		[]kind{{diff.EnumValueAdded, safe}}},
	{"enum value added before another", `CREATE TYPE mood AS ENUM ('ok', 'sad')`, `ALTER TYPE mood ADD VALUE 'happy' BEFORE 'ok'`,
		[]kind{{diff.EnumValueAdded, safe}}},
	{"enum value renamed", `CREATE TYPE mood AS ENUM ('ok', 'sad')`, `ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy'`,
		[]kind{{diff.EnumValueRenamed, breaking}}},
	{"enum value removed", `CREATE TYPE mood AS ENUM ('ok', 'meh', 'sad'); CREATE TABLE t (m mood)`, `
		ALTER TYPE mood RENAME TO mood_old;
		CREATE TYPE mood AS ENUM ('ok', 'sad');
		ALTER TABLE t ALTER COLUMN m TYPE mood USING m::text::mood;
		DROP TYPE mood_old`,
		[]kind{{diff.EnumValueRemoved, breaking}}},
	{"enum values reordered", `CREATE TYPE mood AS ENUM ('ok', 'sad')`, `DROP TYPE mood; CREATE TYPE mood AS ENUM ('sad', 'ok')`,
		[]kind{{diff.EnumValuesReordered, risky}}},

	// Views.
	{"view added", usersTable, `CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18`,
		[]kind{{diff.ViewAdded, safe}}},
	{"materialized view added", usersTable, `CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM users`,
		[]kind{{diff.ViewAdded, safe}}},
	{"view removed", usersTable + `CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18`, `DROP VIEW adults`,
		[]kind{{diff.ViewRemoved, breaking}}},
	{"view column added", usersTable + `CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18`,
		`CREATE OR REPLACE VIEW adults AS SELECT id, email, name FROM users WHERE age >= 18`,
		[]kind{{diff.ViewColumnAdded, safe}}},
	{"view column removed", usersTable + `CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18`,
		`DROP VIEW adults; CREATE VIEW adults AS SELECT id FROM users WHERE age >= 18`,
		[]kind{{diff.ViewColumnChanged, breaking}}},
	{"view column type changed", usersTable + `CREATE VIEW ages AS SELECT id, age FROM users`,
		`DROP VIEW ages; CREATE VIEW ages AS SELECT id, age::text AS age FROM users`,
		[]kind{{diff.ViewColumnChanged, breaking}}},
	{"view column added and its WHERE changed", usersTable + `CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18`,
		`CREATE OR REPLACE VIEW adults AS SELECT id, email, name FROM users WHERE age >= 21`,
		[]kind{{diff.ViewColumnAdded, safe}, {diff.ViewDefinitionChanged, risky}}},
	{"view column removed and its FROM changed", usersAndPosts + `CREATE VIEW authors AS SELECT u.id, u.email FROM users u`,
		`DROP VIEW authors; CREATE VIEW authors AS SELECT u.id FROM users u JOIN posts p ON p.user_id = u.id`,
		[]kind{{diff.ViewColumnChanged, breaking}, {diff.ViewDefinitionChanged, risky}}},
	{"view column type changed in its select list only", usersTable + `CREATE VIEW ages AS SELECT id, age FROM users WHERE age > 0`,
		`DROP VIEW ages; CREATE VIEW ages AS SELECT id, age::bigint AS age FROM users WHERE age > 0`,
		[]kind{{diff.ViewColumnChanged, risky}}},
	{"view definition changed, same columns", usersTable + `CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18`,
		`CREATE OR REPLACE VIEW adults AS SELECT id, email FROM users WHERE age >= 21`,
		[]kind{{diff.ViewDefinitionChanged, risky}}},

	// Functions and procedures.
	{"function added", usersTable, `CREATE FUNCTION adults() RETURNS bigint LANGUAGE sql STABLE RETURN (SELECT count(*) FROM users WHERE age >= 18)`,
		[]kind{{diff.FunctionAdded, safe}}},
	{"procedure added", usersTable, `CREATE PROCEDURE purge() LANGUAGE sql AS 'DELETE FROM users WHERE age IS NULL'`,
		[]kind{{diff.FunctionAdded, safe}}},
	{"function renamed", usersTable + fnAdd, `ALTER FUNCTION add(integer, integer) RENAME TO plus`,
		[]kind{{diff.FunctionRenamed, breaking}}},
	{"function renamed and its body changed", usersTable + fnAdd, `ALTER FUNCTION add(integer, integer) RENAME TO plus;
		CREATE OR REPLACE FUNCTION plus(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN b + a`,
		[]kind{{diff.FunctionRenamed, breaking}, {diff.FunctionBodyChanged, risky}}},
	{"function dropped and created again as it was", usersTable + fnAdd, `DROP FUNCTION add(integer, integer);` + fnAdd,
		nil},
	{"function removed", usersTable + fnAdd, `DROP FUNCTION add(integer, integer)`,
		[]kind{{diff.FunctionRemoved, breaking}}},
	{"function signature changed", usersTable + fnAdd,
		`DROP FUNCTION add(integer, integer); CREATE FUNCTION add(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE RETURN a + b`,
		[]kind{{diff.FunctionSignatureChanged, breaking}}},
	{"function overload added", usersTable + fnAdd,
		`CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql IMMUTABLE RETURN a + b`,
		[]kind{{diff.FunctionAdded, safe}}},
	{"function result changed", usersTable + fnAdd,
		`DROP FUNCTION add(integer, integer); CREATE FUNCTION add(a integer, b integer) RETURNS bigint LANGUAGE sql IMMUTABLE RETURN a + b`,
		[]kind{{diff.FunctionResultChanged, breaking}}},
	{"function body changed", usersTable + fnAdd,
		`CREATE OR REPLACE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + b + 0`,
		[]kind{{diff.FunctionBodyChanged, risky}}},
	{"plpgsql body changed", usersTable + fnTouch,
		`CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.seen := now(); RETURN NEW; END $$`,
		[]kind{{diff.FunctionBodyChanged, risky}}},
	{"function replaced by the same body", usersTable + fnAdd,
		`CREATE OR REPLACE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + b`,
		nil},
	{"function default removed", `CREATE FUNCTION greet(who text DEFAULT 'you') RETURNS text LANGUAGE sql RETURN 'hi ' || who`,
		`DROP FUNCTION greet(text); CREATE FUNCTION greet(who text) RETURNS text LANGUAGE sql RETURN 'hi ' || who`,
		[]kind{{diff.FunctionArgumentsChanged, risky}}},
	{"function volatility changed", usersTable + fnAdd, `ALTER FUNCTION add(integer, integer) VOLATILE`,
		[]kind{{diff.FunctionAttributesChanged, risky}}},
	{"function made security definer", usersTable + fnAdd, `ALTER FUNCTION add(integer, integer) SECURITY DEFINER`,
		[]kind{{diff.FunctionAttributesChanged, risky}}},
	{"function of an extension left out", usersTable, `CREATE EXTENSION IF NOT EXISTS pg_trgm`,
		[]kind{{diff.ExtensionAdded, safe}}},

	// Triggers.
	{"trigger added on a table that existed", usersTable + fnTouch,
		`CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()`,
		[]kind{{diff.TriggerAdded, risky}}},
	{"trigger on a new table", usersTable + fnTouch,
		`CREATE TABLE t (id int, seen timestamp(3)); CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()`,
		[]kind{{diff.TableAdded, safe}}},
	{"trigger removed", usersTouched, `DROP TRIGGER users_touch ON users`,
		[]kind{{diff.TriggerRemoved, risky}}},
	{"trigger changed", usersTouched,
		`DROP TRIGGER users_touch ON users; CREATE TRIGGER users_touch BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()`,
		[]kind{{diff.TriggerChanged, risky}}},
	{"trigger disabled", usersTouched, `ALTER TABLE users DISABLE TRIGGER users_touch`,
		[]kind{{diff.TriggerEnabledChanged, risky}}},
	{"trigger renamed", usersTouched, `ALTER TRIGGER users_touch ON users RENAME TO users_seen`,
		nil},
	{"trigger on a renamed column", usersTable + fnTouch + `CREATE TRIGGER users_touch BEFORE UPDATE OF bio ON users FOR EACH ROW EXECUTE FUNCTION touch();`,
		`ALTER TABLE users RENAME COLUMN bio TO about`,
		[]kind{{diff.ColumnRenamed, breaking}}},
	{"trigger on a renamed table", usersTouched, `ALTER TABLE users RENAME TO accounts`,
		[]kind{{diff.TableRenamed, breaking}}},
	{"constraint trigger added", usersTable + fnTouch,
		`CREATE CONSTRAINT TRIGGER users_check AFTER INSERT ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION touch()`,
		[]kind{{diff.TriggerAdded, risky}}},
	{"foreign key triggers are not triggers", usersTable + `CREATE TABLE posts (id int, user_id bigint)`,
		`ALTER TABLE posts ADD FOREIGN KEY (user_id) REFERENCES users (id)`,
		[]kind{{diff.ForeignKeyAdded, risky}}},

	// Sequences.
	{"sequence added", usersTable, `CREATE SEQUENCE invoice_no`,
		[]kind{{diff.SequenceAdded, safe}}},
	{"sequence removed", usersTable + `CREATE SEQUENCE invoice_no;`, `DROP SEQUENCE invoice_no`,
		[]kind{{diff.SequenceRemoved, breaking}}},
	{"sequence narrowed", usersTable + `CREATE SEQUENCE invoice_no AS bigint;`, `ALTER SEQUENCE invoice_no AS integer`,
		[]kind{{diff.SequenceNarrowed, breaking}}},
	{"sequence maximum lowered", usersTable + `CREATE SEQUENCE invoice_no;`, `ALTER SEQUENCE invoice_no MAXVALUE 1000`,
		[]kind{{diff.SequenceNarrowed, breaking}}},
	{"sequence increment changed", usersTable + `CREATE SEQUENCE invoice_no;`, `ALTER SEQUENCE invoice_no INCREMENT 10`,
		[]kind{{diff.SequenceChanged, safe}}},
	{"serial column added", usersTable, `ALTER TABLE users ADD COLUMN n serial`,
		[]kind{{diff.ColumnAdded, safe}, {diff.SequenceAdded, safe}}},
	{"serial column removed with its sequence", `CREATE TABLE t (id serial, v text)`, `ALTER TABLE t DROP COLUMN id`,
		[]kind{{diff.ColumnRemoved, breaking}}},
	{"identity sequences are the column's", usersTable, `ALTER TABLE users ADD COLUMN n bigint GENERATED BY DEFAULT AS IDENTITY`,
		[]kind{{diff.ColumnAdded, safe}}},

	// Extensions.
	{"extension added", usersTable, `CREATE EXTENSION IF NOT EXISTS citext`,
		[]kind{{diff.ExtensionAdded, safe}}},
	{"extension removed", usersTable + `CREATE EXTENSION IF NOT EXISTS citext;`, `DROP EXTENSION citext`,
		[]kind{{diff.ExtensionRemoved, breaking}}},
	{"extension moved", usersTable + `CREATE EXTENSION IF NOT EXISTS citext;`, `CREATE SCHEMA ext; ALTER EXTENSION citext SET SCHEMA ext`,
		[]kind{{diff.ExtensionChanged, risky}}},

	// No false alarms: constraints on columns added with them.
	{"self-referencing foreign key on a column added with it", usersTable,
		`ALTER TABLE users ADD COLUMN parent_id bigint REFERENCES users (id)`,
		[]kind{{diff.ColumnAdded, safe}, {diff.ForeignKeyAdded, safe}}},
	{"foreign key on a column added with it, in two statements", usersAndPosts,
		`ALTER TABLE posts ADD COLUMN editor_id bigint; ALTER TABLE posts ADD CONSTRAINT posts_editor_fkey FOREIGN KEY (editor_id) REFERENCES users (id)`,
		[]kind{{diff.ColumnAdded, safe}, {diff.ForeignKeyAdded, safe}}},
	{"foreign key on an old and a new column", usersAndPosts,
		`ALTER TABLE users ADD CONSTRAINT users_id_email_key UNIQUE (id, email);
		 ALTER TABLE posts ADD COLUMN email text; ALTER TABLE posts ADD FOREIGN KEY (user_id, email) REFERENCES users (id, email)`,
		[]kind{{diff.UniqueAdded, risky}, {diff.ColumnAdded, safe}, {diff.ForeignKeyAdded, risky}}},
	{"unique on a column added with it", usersTable, `ALTER TABLE users ADD COLUMN handle text UNIQUE`,
		[]kind{{diff.ColumnAdded, safe}, {diff.UniqueAdded, safe}}},
	{"unique on a column added with a default", usersTable, `ALTER TABLE users ADD COLUMN handle text DEFAULT 'x' UNIQUE`,
		[]kind{{diff.ColumnAdded, safe}, {diff.UniqueAdded, risky}}},
	{"check on a column added with it", usersTable, `ALTER TABLE users ADD COLUMN rank int CHECK (rank > 0)`,
		[]kind{{diff.ColumnAdded, safe}, {diff.CheckAdded, safe}}},
	{"check rejecting NULL on a column added with it", usersTable, `ALTER TABLE users ADD COLUMN rank int, ADD CONSTRAINT users_rank_nn CHECK (rank IS NOT NULL)`,
		[]kind{{diff.ColumnAdded, safe}, {diff.CheckAdded, risky}}},
	{"check on an old and a new column", usersTable, `ALTER TABLE users ADD COLUMN max_age int CHECK (age <= max_age)`,
		[]kind{{diff.ColumnAdded, safe}, {diff.CheckAdded, risky}}},
	{"exclusion on columns added with it", bookings,
		`ALTER TABLE bookings ADD COLUMN slot tstzrange, ADD CONSTRAINT bookings_slot_excl EXCLUDE USING gist (slot WITH &&)`,
		[]kind{{diff.ColumnAdded, safe}, {diff.ExclusionAdded, safe}}},

	// No false alarms: a constraint replaced by a looser one.
	{"check IN list widened", usersTable + `ALTER TABLE users ADD COLUMN status text CHECK (status IN ('active', 'banned'));`,
		`ALTER TABLE users DROP CONSTRAINT users_status_check; ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'banned', 'pending'))`,
		[]kind{{diff.CheckLoosened, safe}}},
	{"check IN list widened on varchar", `CREATE TABLE t (status varchar(10) CONSTRAINT t_status_check CHECK (status IN ('a', 'b')))`,
		`ALTER TABLE t DROP CONSTRAINT t_status_check; ALTER TABLE t ADD CONSTRAINT t_status_ok CHECK (status IN ('a', 'b', 'c'))`,
		[]kind{{diff.CheckLoosened, safe}}},
	{"check IN list narrowed", usersTable + `ALTER TABLE users ADD COLUMN status text CHECK (status IN ('active', 'banned'));`,
		`ALTER TABLE users DROP CONSTRAINT users_status_check; ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active'))`,
		[]kind{{diff.CheckRemoved, safe}, {diff.CheckAdded, risky}}},
	{"unique on more columns", usersTable + `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);`,
		`ALTER TABLE users DROP CONSTRAINT users_email_key; ALTER TABLE users ADD CONSTRAINT users_email_name_key UNIQUE (email, name)`,
		[]kind{{diff.UniqueLoosened, safe}}},
	{"unique on other columns", usersTable + `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);`,
		`ALTER TABLE users DROP CONSTRAINT users_email_key; ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name)`,
		[]kind{{diff.UniqueRemoved, risky}, {diff.UniqueAdded, risky}}},

	// No false alarms: a default spelled otherwise.
	{"default now() spelled CURRENT_TIMESTAMP", `CREATE TABLE t (id int, at timestamptz DEFAULT now())`,
		`ALTER TABLE t ALTER COLUMN at SET DEFAULT CURRENT_TIMESTAMP`,
		nil},
	{"default now() spelled transaction_timestamp()", `CREATE TABLE t (id int, at timestamptz DEFAULT CURRENT_TIMESTAMP)`,
		`ALTER TABLE t ALTER COLUMN at SET DEFAULT transaction_timestamp()`,
		nil},
	{"default whose cast follows the column type", `CREATE TABLE t (id int, code varchar(10) DEFAULT 'x')`,
		`ALTER TABLE t ALTER COLUMN code TYPE text`,
		[]kind{{diff.ColumnTypeChanged, risky}}},
	{"default now() to statement_timestamp()", `CREATE TABLE t (id int, at timestamptz DEFAULT now())`,
		`ALTER TABLE t ALTER COLUMN at SET DEFAULT statement_timestamp()`,
		[]kind{{diff.ColumnDefaultChanged, risky}}},

	// Row-level security and policies.
	{"row-level security enabled", usersTable, `ALTER TABLE users ENABLE ROW LEVEL SECURITY`,
		[]kind{{diff.RowSecurityEnabled, breaking}}},
	{"row-level security enabled with a policy", usersTable,
		`CREATE POLICY users_all ON users USING (true); ALTER TABLE users ENABLE ROW LEVEL SECURITY`,
		[]kind{{diff.RowSecurityEnabled, breaking}, {diff.PolicyAdded, safe}}},
	{"row-level security disabled", usersRLS, `ALTER TABLE users DISABLE ROW LEVEL SECURITY`,
		[]kind{{diff.RowSecurityDisabled, risky}}},
	{"row-level security forced", usersRLS, `ALTER TABLE users FORCE ROW LEVEL SECURITY`,
		[]kind{{diff.RowSecurityForced, breaking}}},
	{"permissive policy added", usersRLS, `CREATE POLICY users_adults ON users FOR SELECT USING (age >= 18)`,
		[]kind{{diff.PolicyAdded, safe}}},
	{"restrictive policy added", usersRLS, `CREATE POLICY users_adults ON users AS RESTRICTIVE FOR SELECT USING (age >= 18)`,
		[]kind{{diff.PolicyAdded, risky}}},
	{"permissive policy removed", usersRLS, `DROP POLICY users_own ON users`,
		[]kind{{diff.PolicyRemoved, breaking}}},
	{"policy changed", usersRLS, `ALTER POLICY users_own ON users USING (name = current_user::text)`,
		[]kind{{diff.PolicyChanged, risky}}},
	{"policy on a table without row-level security removed", usersTable + `CREATE POLICY users_own ON users USING (true);`,
		`DROP POLICY users_own ON users`,
		[]kind{{diff.PolicyRemoved, safe}}},
	{"policy follows a renamed column", usersRLS, `ALTER TABLE users RENAME COLUMN email TO email_address`,
		[]kind{{diff.ColumnRenamed, breaking}}},

	// Table privileges granted to roles other than the owner (PUBLIC here:
	// a case creates no role).
	{"privilege granted", usersTable, `GRANT SELECT ON users TO PUBLIC`,
		[]kind{{diff.PrivilegeGranted, safe}}},
	{"privilege revoked", usersTable + `GRANT SELECT, INSERT ON users TO PUBLIC;`, `REVOKE INSERT ON users FROM PUBLIC`,
		[]kind{{diff.PrivilegeRevoked, breaking}}},
	{"privileges of a dropped table are not revoked on their own", usersTable + `CREATE TABLE logs (id int); GRANT SELECT ON logs TO PUBLIC;`,
		`DROP TABLE logs`,
		[]kind{{diff.TableRemoved, breaking}}},
	{"owner's own privileges are not grants", usersTable, `REVOKE TRUNCATE ON users FROM CURRENT_USER`,
		nil},
	{"column privilege granted", usersTable, `GRANT SELECT (id, email) ON users TO PUBLIC`,
		[]kind{{diff.ColumnPrivilegeGranted, safe}, {diff.ColumnPrivilegeGranted, safe}}},
	{"column privilege revoked", usersTable + `GRANT SELECT (id, email), UPDATE (name) ON users TO PUBLIC;`, `REVOKE UPDATE (name) ON users FROM PUBLIC`,
		[]kind{{diff.ColumnPrivilegeRevoked, breaking}}},
	{"column privilege revoked while the table's is kept", usersTable + `GRANT SELECT ON users TO PUBLIC; GRANT UPDATE (name) ON users TO PUBLIC;`,
		`REVOKE UPDATE (name) ON users FROM PUBLIC; GRANT UPDATE ON users TO PUBLIC`,
		[]kind{{diff.PrivilegeGranted, safe}}},
	{"column privilege follows a renamed column", usersTable + `GRANT SELECT (email) ON users TO PUBLIC;`, `ALTER TABLE users RENAME COLUMN email TO email_address`,
		[]kind{{diff.ColumnRenamed, breaking}}},
	{"column privileges of a dropped column are not revoked on their own", usersTable + `GRANT SELECT (bio) ON users TO PUBLIC;`, `ALTER TABLE users DROP COLUMN bio`,
		[]kind{{diff.ColumnRemoved, breaking}}},
	{"table privileges narrowed to columns", usersTable + `GRANT SELECT ON users TO PUBLIC;`, `REVOKE SELECT ON users FROM PUBLIC; GRANT SELECT (id, email) ON users TO PUBLIC`,
		[]kind{{diff.PrivilegeRevoked, breaking}, {diff.ColumnPrivilegeGranted, safe}, {diff.ColumnPrivilegeGranted, safe}}},

	// Domains and composite types.
	{"domain added", usersTable, `CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%')`,
		[]kind{{diff.DomainAdded, safe}}},
	{"domain removed", usersTable + `CREATE DOMAIN email AS text;`, `DROP DOMAIN email`,
		[]kind{{diff.DomainRemoved, breaking}}},
	{"domain check added", usersTable + `CREATE DOMAIN email AS text;`, `ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%')`,
		[]kind{{diff.DomainCheckAdded, risky}}},
	{"domain check removed", usersTable + `CREATE DOMAIN email AS text CONSTRAINT email_at CHECK (VALUE LIKE '%@%');`, `ALTER DOMAIN email DROP CONSTRAINT email_at`,
		[]kind{{diff.DomainCheckRemoved, safe}}},
	{"domain check renamed", usersTable + `CREATE DOMAIN email AS text CONSTRAINT email_at CHECK (VALUE LIKE '%@%');`, `ALTER DOMAIN email RENAME CONSTRAINT email_at TO email_has_at`,
		nil},
	{"domain made NOT NULL", usersTable + `CREATE DOMAIN email AS text;`, `ALTER DOMAIN email SET NOT NULL`,
		[]kind{{diff.DomainNotNullChanged, breaking}}},
	{"domain default changed", usersTable + `CREATE DOMAIN score AS int DEFAULT 0;`, `ALTER DOMAIN score SET DEFAULT 1`,
		[]kind{{diff.DomainDefaultChanged, risky}}},
	{"domain base type changed", usersTable + `CREATE DOMAIN code AS varchar(10);`, `DROP DOMAIN code; CREATE DOMAIN code AS varchar(20)`,
		[]kind{{diff.DomainTypeChanged, risky}}},
	{"composite type added", usersTable, `CREATE TYPE money_amount AS (amount numeric, currency char(3))`,
		[]kind{{diff.CompositeTypeAdded, safe}}},
	{"composite type removed", usersTable + `CREATE TYPE money_amount AS (amount numeric, currency char(3));`, `DROP TYPE money_amount`,
		[]kind{{diff.CompositeTypeRemoved, breaking}}},
	{"composite type attribute removed", usersTable + `CREATE TYPE money_amount AS (amount numeric, currency char(3));`,
		`ALTER TYPE money_amount DROP ATTRIBUTE currency`,
		[]kind{{diff.CompositeTypeChanged, breaking}}},
	{"composite type attribute added", usersTable + `CREATE TYPE money_amount AS (amount numeric);`,
		`ALTER TYPE money_amount ADD ATTRIBUTE currency char(3)`,
		[]kind{{diff.CompositeTypeChanged, risky}}},
	{"row types of tables are not composite types", usersTable, `CREATE TABLE t (id int)`,
		[]kind{{diff.TableAdded, safe}}},

	// Found by an outside suite of DDL pairs (issue 11 §4).
	{"primary key over a unique index", `CREATE TABLE t (id int NOT NULL, v text); CREATE UNIQUE INDEX t_id_idx ON t (id)`,
		`ALTER TABLE t ADD PRIMARY KEY USING INDEX t_id_idx`,
		[]kind{{diff.PrimaryKeyChanged, safe}}},
	{"primary key over a unique constraint, on a nullable column", `CREATE TABLE t (id int CONSTRAINT t_id_key UNIQUE, v text)`,
		`ALTER TABLE t DROP CONSTRAINT t_id_key; ALTER TABLE t ADD PRIMARY KEY (id)`,
		[]kind{{diff.PrimaryKeyChanged, safe}, {diff.ColumnNotNullAdded, breaking}}},
	{"NO INHERIT toggled on a check", `CREATE TABLE t (a int CONSTRAINT t_a_check CHECK (a > 0))`,
		`ALTER TABLE t DROP CONSTRAINT t_a_check; ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0) NO INHERIT`,
		nil},
	{"identity added with the NOT NULL it needs", `CREATE TABLE t (id int, v text)`,
		`ALTER TABLE t ALTER COLUMN id SET NOT NULL, ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY`,
		[]kind{{diff.ColumnIdentityAdded, safe}}},
	{"SET NOT NULL behind a NOT VALID check", usersTable + `ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL) NOT VALID;`,
		`ALTER TABLE users ALTER COLUMN name SET NOT NULL`,
		[]kind{{diff.ColumnNotNullAdded, safe}}},
	{"SET NOT NULL behind a check, which is then dropped", usersTable + `ALTER TABLE users ADD CONSTRAINT users_name_nn CHECK (name IS NOT NULL);`,
		`ALTER TABLE users ALTER COLUMN name SET NOT NULL; ALTER TABLE users DROP CONSTRAINT users_name_nn`,
		[]kind{{diff.ColumnNotNullAdded, safe}, {diff.CheckRemoved, safe}}},
	{"SET NOT NULL behind a check on another column", usersTable + `ALTER TABLE users ADD CONSTRAINT users_bio_nn CHECK (bio IS NOT NULL) NOT VALID;`,
		`ALTER TABLE users ALTER COLUMN name SET NOT NULL`,
		[]kind{{diff.ColumnNotNullAdded, breaking}}},

	{"view check option added", usersTable + `CREATE VIEW adults AS SELECT id, email, age FROM users WHERE age >= 18`,
		`CREATE OR REPLACE VIEW adults WITH (check_option = local) AS SELECT id, email, age FROM users WHERE age >= 18`,
		[]kind{{diff.ViewCheckOptionChanged, risky}}},
	{"view check option removed", usersTable + `CREATE VIEW adults AS SELECT id, email, age FROM users WHERE age >= 18 WITH CASCADED CHECK OPTION`,
		`ALTER VIEW adults RESET (check_option)`,
		[]kind{{diff.ViewCheckOptionChanged, safe}}},

	// No change.
	{"nothing", usersAndPosts, `SELECT 1`, nil},
	{"comments only", usersTable, `COMMENT ON TABLE users IS 'people'; COMMENT ON COLUMN users.id IS 'key'`, nil},
	{"same DDL in another order", usersAndPosts + `CREATE TYPE mood AS ENUM ('ok', 'sad'); CREATE VIEW v AS SELECT id FROM posts`, `
		DROP VIEW v; DROP TABLE posts; DROP TABLE users; DROP TYPE mood;
		CREATE TYPE mood AS ENUM ('ok', 'sad');
		` + usersAndPosts + `
		CREATE VIEW v AS SELECT id FROM posts`,
		[]kind{{diff.TableRecreated, breaking}, {diff.TableRecreated, breaking}}},

	// Identity sequence options.
	{"identity sequence increment and start changed", usersTable, `ALTER TABLE users ALTER COLUMN id SET INCREMENT BY 10 RESTART WITH 1000; ALTER TABLE users ALTER COLUMN id SET START WITH 1000`,
		[]kind{{diff.ColumnIdentityOptionsChanged, safe}}},
	{"identity sequence maximum lowered", usersTable, `ALTER TABLE users ALTER COLUMN id SET MAXVALUE 1000000`,
		[]kind{{diff.ColumnIdentityOptionsChanged, breaking}}},
	{"identity sequence made to cycle", usersTable, `ALTER TABLE users ALTER COLUMN id SET CYCLE`,
		[]kind{{diff.ColumnIdentityOptionsChanged, safe}}},
	{"identity sequence maximum raised back", `CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY (MAXVALUE 1000) PRIMARY KEY)`,
		`ALTER TABLE t ALTER COLUMN id SET MAXVALUE 2147483647`,
		[]kind{{diff.ColumnIdentityOptionsChanged, safe}}},
	{"identity sequence restarted", usersTable, `ALTER TABLE users ALTER COLUMN id RESTART WITH 50`,
		nil},

	// Partitioning.
	{"table partitioned through a swap", `CREATE TABLE events (id int NOT NULL, at date NOT NULL, body text)`, `
		CREATE TABLE events_new (id int NOT NULL, at date NOT NULL, body text) PARTITION BY RANGE (at);
		CREATE TABLE events_2026 PARTITION OF events_new FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
		DROP TABLE events; ALTER TABLE events_new RENAME TO events`,
		[]kind{{diff.TableRecreated, breaking}, {diff.TablePartitioned, risky}}},
	{"table unpartitioned through a swap", eventsPartitioned, `
		CREATE TABLE events_new (id int NOT NULL, at date NOT NULL, body text);
		DROP TABLE events; ALTER TABLE events_new RENAME TO events`,
		[]kind{{diff.TableRecreated, breaking}, {diff.TableUnpartitioned, safe}}},
	{"partition created", eventsPartitioned, `CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')`,
		[]kind{{diff.PartitionAttached, safe}}},
	{"table attached as a partition", eventsPartitioned + `CREATE TABLE events_2027 (id int NOT NULL, at date NOT NULL, body text);`,
		`ALTER TABLE events ATTACH PARTITION events_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')`,
		[]kind{{diff.PartitionAttached, safe}}},
	{"partition detached", eventsPartitioned, `ALTER TABLE events DETACH PARTITION events_2026`,
		[]kind{{diff.PartitionDetached, risky}, {diff.TableAdded, safe}}},
	{"partition dropped", eventsPartitioned, `DROP TABLE events_2026`,
		[]kind{{diff.PartitionRemoved, breaking}}},
	{"partition given another bound", eventsPartitioned, `ALTER TABLE events DETACH PARTITION events_2026;
		ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2026-07-01')`,
		[]kind{{diff.PartitionBoundChanged, risky}}},
	{"partition renamed", eventsPartitioned, `ALTER TABLE events_2026 RENAME TO events_y2026`,
		nil},
	{"check added on one partition", eventsPartitioned, `ALTER TABLE events_2026 ADD CONSTRAINT events_2026_body_check CHECK (body <> '')`,
		[]kind{{diff.PartitionConstraintsChanged, risky}}},
	{"check of one partition dropped", eventsPartitioned + `ALTER TABLE events_2026 ADD CONSTRAINT events_2026_body_check CHECK (body <> '');`,
		`ALTER TABLE events_2026 DROP CONSTRAINT events_2026_body_check`,
		[]kind{{diff.PartitionConstraintsChanged, safe}}},
	{"check added on a partitioned table", eventsPartitioned, `ALTER TABLE events ADD CONSTRAINT events_body_check CHECK (body <> '')`,
		[]kind{{diff.CheckAdded, risky}}},

	// Data changes in the file's statements.
	{"truncate", usersAndPosts, `TRUNCATE posts`,
		[]kind{{diff.DataTruncated, breaking}}},
	{"truncate two tables", usersAndPosts, `TRUNCATE TABLE ONLY public.posts, users RESTART IDENTITY CASCADE`,
		[]kind{{diff.DataTruncated, breaking}, {diff.DataTruncated, breaking}}},
	{"delete without where", usersAndPosts, `DELETE FROM posts`,
		[]kind{{diff.DataDeleted, breaking}}},
	{"delete with where", usersAndPosts, `DELETE FROM posts WHERE title = ''`,
		nil},
	{"delete using a join without where", usersAndPosts, `DELETE FROM posts p USING users u`,
		[]kind{{diff.DataDeleted, breaking}}},
	{"update without where", usersTable, `UPDATE users SET bio = ''`,
		[]kind{{diff.DataUpdated, risky}}},
	{"update with where in a subquery only", usersTable, `UPDATE users SET bio = (SELECT 'x' WHERE true)`,
		[]kind{{diff.DataUpdated, risky}}},
	{"update with where", usersTable, `UPDATE users SET bio = '' WHERE bio IS NULL`,
		nil},
	{"backfill of a column the file adds", usersTable, `ALTER TABLE users ADD COLUMN active boolean; UPDATE users SET active = true`,
		[]kind{{diff.ColumnAdded, safe}, {diff.DataUpdated, safe}}},
	{"statements in a function body are not data changes", usersTable,
		`CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $$ DELETE FROM users $$; DO $$ BEGIN TRUNCATE users; END $$`,
		[]kind{{diff.FunctionAdded, safe}}},
	{"table created and emptied in the same file", usersTable, `CREATE TABLE scratch (id int); INSERT INTO scratch VALUES (1); DELETE FROM scratch`,
		[]kind{{diff.TableAdded, safe}}},
	{"objects outside the schemas in scope", usersTable, `CREATE SCHEMA other; CREATE TABLE other.t (id int); ALTER TABLE users SET SCHEMA other`,
		[]kind{{diff.TableRemoved, breaking}}},
	{"the migrations table", usersTable, `CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`,
		nil},
}

// TestClassify runs every case on a database of its own: build before,
// inspect, apply after, inspect, diff.
func TestClassify(t *testing.T) {
	for _, c := range classifyCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			conn := pgtest.Connect(t, pgtest.DB(t))
			before := inspectAfter(ctx, t, conn, c.before)
			after := inspectAfter(ctx, t, conn, c.after)
			got := diff.Step(before, after, c.after)
			checkKinds(t, "replayed (identities known)", c.want, got)

			// A diff without steps: no identities, no statements.
			heuristic, ok := withoutIdentity[c.name]
			if !ok {
				heuristic = c.want
			}
			checkKinds(t, "without identities", heuristic, diff.Schemas(before, after))
			for _, ch := range got {
				t.Logf("%s [%s] hint: %s", ch, ch.Object, ch.Hint)
			}
			for _, ch := range got {
				if ch.Message == "" || ch.Object == "" {
					t.Errorf("change without message or object: %#v", ch)
				}
			}
		})
	}
}

func checkKinds(t *testing.T, what string, want []kind, got []diff.Change) {
	t.Helper()
	gotKinds := []kind{}
	for _, ch := range got {
		gotKinds = append(gotKinds, kind{ch.Kind, ch.Impact})
	}
	if want == nil {
		want = []kind{}
	}
	byKind := cmpopts.SortSlices(func(a, b kind) bool {
		return a.Kind < b.Kind || (a.Kind == b.Kind && a.Impact < b.Impact)
	})
	if d := cmp.Diff(want, gotKinds, byKind); d != "" {
		t.Errorf("%s: changes (-want +got):\n%s", what, d)
	}
}

// withoutIdentity holds, for the cases whose result differs, what a diff
// without steps finds (diff.Schemas alone: no identities, so renames are
// guessed and recreations unseen; no statements, so no data changes).
var withoutIdentity = map[string][]kind{
	"table renamed": {{diff.TableRemoved, breaking}, {diff.TableAdded, safe}},
	"table renamed, referenced by a foreign key": {
		{diff.TableRemoved, breaking}, {diff.TableAdded, safe}, {diff.ForeignKeyRemoved, safe}, {diff.ForeignKeyAdded, risky}},
	"table renamed and another created under its name": {
		{diff.TableAdded, safe}, {diff.ColumnRemoved, breaking}, {diff.ColumnRemoved, breaking}, {diff.ColumnRemoved, breaking},
		{diff.ColumnRemoved, breaking}, {diff.ColumnRemoved, breaking}, {diff.ColumnIdentityRemoved, breaking}},
	"table recreated with the same shape":             nil,
	"table recreated with another shape":              {{diff.ColumnRenamed, breaking}},
	"table recreated through a rename":                nil,
	"tables swapped by renames":                       nil,
	"column dropped and one of the same type added":   {{diff.ColumnRenamed, breaking}, {diff.ColumnDefaultRemoved, risky}},
	"column recreated with the same shape":            nil,
	"column recreated with another type":              {{diff.ColumnTypeChanged, risky}},
	"column renamed and another added under its name": {{diff.ColumnAdded, safe}},
	"same DDL in another order":                       nil,
	"truncate":                                        nil,
	"truncate two tables":                             nil,
	"delete without where":                            nil,
	"delete using a join without where":               nil,
	"update without where":                            nil,
	"update with where in a subquery only":            nil,
	"backfill of a column the file adds":              {{diff.ColumnAdded, safe}},
	"trigger on a renamed table":                      {{diff.TableRemoved, breaking}, {diff.TableAdded, safe}},
	"function renamed":                                {{diff.FunctionRemoved, breaking}, {diff.FunctionAdded, safe}},
	"function renamed and its body changed":           {{diff.FunctionRemoved, breaking}, {diff.FunctionAdded, safe}},
	"table partitioned through a swap":                {{diff.TablePartitioned, risky}},
	"table unpartitioned through a swap":              {{diff.TableUnpartitioned, safe}},
}

func inspectAfter(ctx context.Context, t *testing.T, conn *pgx.Conn, sql string) *schema.Schema {
	t.Helper()
	if _, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
	s, err := schema.Inspect(ctx, conn)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return s
}

func TestClassifyCasesCoverEveryKind(t *testing.T) {
	seen := map[diff.Kind]bool{}
	for _, c := range classifyCases {
		for _, k := range c.want {
			seen[k.Kind] = true
		}
	}
	for _, k := range allKinds {
		if !seen[k] {
			t.Errorf("no acceptance case produces %s", k)
		}
	}
	if len(classifyCases) < 50 {
		t.Errorf("%d acceptance cases, want at least 50", len(classifyCases))
	}
}

var allKinds = []diff.Kind{
	diff.TableAdded, diff.TableRemoved, diff.ColumnAdded, diff.ColumnRemoved, diff.ColumnRenamed,
	diff.ColumnTypeChanged, diff.ColumnNotNullAdded, diff.ColumnNotNullDropped, diff.ColumnDefaultAdded,
	diff.ColumnDefaultChanged, diff.ColumnDefaultRemoved, diff.PrimaryKeyChanged, diff.UniqueAdded,
	diff.UniqueRemoved, diff.CheckAdded, diff.CheckRemoved, diff.ForeignKeyAdded, diff.ForeignKeyRemoved,
	diff.IndexAdded, diff.IndexRemoved, diff.EnumAdded, diff.EnumRemoved, diff.EnumValueAdded,
	diff.EnumValueRemoved, diff.ViewAdded, diff.ViewRemoved, diff.ViewColumnChanged,
	diff.ColumnIdentityAdded, diff.ColumnIdentityRemoved, diff.ColumnIdentityChanged,
	diff.ColumnGeneratedAdded, diff.ColumnGeneratedRemoved, diff.ColumnGeneratedChanged, diff.ColumnCollationChanged,
	diff.EnumValueRenamed, diff.EnumValuesReordered, diff.ViewColumnAdded, diff.ViewDefinitionChanged,
	diff.IndexValidityChanged, diff.ExclusionAdded, diff.ExclusionRemoved, diff.ExclusionChanged,
	diff.TableRenamed, diff.TableRecreated, diff.ColumnRecreated, diff.DataTruncated, diff.DataDeleted, diff.DataUpdated,
	diff.FunctionAdded, diff.FunctionRemoved, diff.FunctionSignatureChanged, diff.FunctionResultChanged,
	diff.FunctionArgumentsChanged, diff.FunctionBodyChanged, diff.FunctionAttributesChanged,
	diff.TriggerAdded, diff.TriggerRemoved, diff.TriggerChanged, diff.TriggerEnabledChanged,
	diff.SequenceAdded, diff.SequenceRemoved, diff.SequenceNarrowed, diff.SequenceChanged,
	diff.ExtensionAdded, diff.ExtensionRemoved, diff.ExtensionChanged,
	diff.CheckLoosened, diff.UniqueLoosened, diff.ForeignKeyChanged,
	diff.RowSecurityEnabled, diff.RowSecurityDisabled, diff.RowSecurityForced, diff.PolicyAdded, diff.PolicyRemoved, diff.PolicyChanged,
	diff.DomainAdded, diff.DomainRemoved, diff.DomainTypeChanged, diff.DomainNotNullChanged, diff.DomainDefaultChanged,
	diff.DomainCheckAdded, diff.DomainCheckRemoved, diff.CompositeTypeAdded, diff.CompositeTypeRemoved, diff.CompositeTypeChanged,
	diff.ViewCheckOptionChanged, diff.PrivilegeGranted, diff.PrivilegeRevoked,
	diff.TablePartitioned, diff.TableUnpartitioned, diff.PartitionAttached, diff.PartitionDetached,
	diff.PartitionRemoved, diff.PartitionBoundChanged, diff.ColumnIdentityOptionsChanged,
	diff.ColumnPrivilegeGranted, diff.ColumnPrivilegeRevoked, diff.FunctionRenamed, diff.PartitionConstraintsChanged,
}

// Every case named in withoutIdentity exists.
func TestWithoutIdentityNamesCases(t *testing.T) {
	names := map[string]bool{}
	for _, c := range classifyCases {
		if names[c.name] {
			t.Errorf("two cases named %q", c.name)
		}
		names[c.name] = true
	}
	for name := range withoutIdentity {
		if !names[name] {
			t.Errorf("withoutIdentity names no case: %q", name)
		}
	}
}
