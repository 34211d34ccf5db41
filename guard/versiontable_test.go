package guard_test

import (
	"context"
	"testing"

	"github.com/alecthomas/assert/v2"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/pgtest"
	"github.com/schemaguard/guard/verify"
)

// A migration that alters the version table (a data version beside
// golang-migrate's) plans and applies: the shadow holds the version table
// as golang-migrate creates it, named by the migrations table option, and
// leaves it out of the comparison as on the target. Verify passes it.
func TestMigrationThatAltersTheVersionTable(t *testing.T) {
	for _, tc := range []struct {
		name, table, ref string
		opts             func(t *testing.T, m *made) []guard.Option
	}{
		{"target server", "", "schema_migrations", func(t *testing.T, m *made) []guard.Option { return nil }},
		{"shadow server, cached", "", "schema_migrations", func(t *testing.T, m *made) []guard.Option {
			return []guard.Option{guard.WithShadowURL(pgtest.Server(t)), track(t, m)}
		}},
		{"named table, cached", "app_versions", "app_versions", func(t *testing.T, m *made) []guard.Option {
			return []guard.Option{guard.WithShadowURL(pgtest.Server(t)), guard.WithMigrationsTable("app_versions"), track(t, m)}
		}},
		{"quoted table", `"public"."Versions"`, `public."Versions"`, func(t *testing.T, m *made) []guard.Option {
			return []guard.Option{guard.WithMigrationsTable(`"public"."Versions"`)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			url := pgtest.DB(t)
			fsys := own(t, files(
				"1_users.up.sql", `CREATE TABLE users (id bigint PRIMARY KEY);`,
				"1_users.down.sql", `DROP TABLE users;`,
				"2_posts.up.sql", `CREATE TABLE posts (id bigint PRIMARY KEY);`,
				"2_posts.down.sql", `DROP TABLE posts;`,
				"3_data_version.up.sql", `ALTER TABLE `+tc.ref+` ADD COLUMN data_version int;`,
				"3_data_version.down.sql", `ALTER TABLE `+tc.ref+` DROP COLUMN data_version;`,
				"4_notes.up.sql", `CREATE TABLE notes (id int); UPDATE `+tc.ref+` SET data_version = 7;`,
				"4_notes.down.sql", `DROP TABLE notes;`,
			))
			var m made
			r := runner(t, url, fsys, append(tc.opts(t, &m), guard.WithAllowDataLoss())...)
			_, err := r.Up(ctx, 2)
			assert.NoError(t, err)
			p, err := r.Plan(ctx)
			assert.NoError(t, err)
			assert.Equal(t, 2, len(p.Steps))
			assert.Equal(t, 0, len(p.HistoryDrift), "the version table is no drift: %+v", p.HistoryDrift)
			res, err := r.Up(ctx, 0)
			assert.NoError(t, err)
			assert.Equal(t, source.V(4), res.Version)
			assert.Equal(t, 1, query[int](t, url, `SELECT count(*) FROM information_schema.columns WHERE column_name = 'data_version'`))
			assert.Equal(t, 1, query[int](t, url, `SELECT count(*) FROM notes RIGHT JOIN (VALUES (1)) v ON true`))

			// Down and up again through guard: planned in shadows that hold
			// the altered table.
			_, err = r.Down(ctx, 2)
			assert.NoError(t, err)
			assert.Equal(t, 0, query[int](t, url, `SELECT count(*) FROM information_schema.columns WHERE column_name = 'data_version'`))
			_, err = r.Up(ctx, 0)
			assert.NoError(t, err)

			if tc.table == "" {
				src, err := source.Load(fsys, ".", "migrations")
				assert.NoError(t, err)
				rep, err := verify.Run(ctx, src, verify.WithShadowURL(pgtest.Server(t)))
				assert.NoError(t, err)
				assert.Equal(t, verify.StatusPassed, rep.Status, "%+v", rep.Findings)
				assert.Equal(t, 0, rep.Summary.Errors)
			}
		})
	}
}
