package shadow_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"testing/fstest"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
)

// history returns n migration files, each creating a small table with an
// index, as a long-lived project's history looks.
func history(n int) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 1; i <= n; i++ {
		fsys[fmt.Sprintf("%06d_t%d.up.sql", i, i)] = &fstest.MapFile{Data: fmt.Appendf(nil,
			"CREATE TABLE t%d (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());\nCREATE INDEX t%d_name ON t%d (name);\n", i, i, i)}
		fsys[fmt.Sprintf("%06d_t%d.down.sql", i, i)] = &fstest.MapFile{Data: fmt.Appendf(nil, "DROP TABLE t%d;\n", i)}
	}
	return fsys
}

// BenchmarkShadowColdBuild500 creates a shadow and replays 500 files into
// it; compare with BenchmarkGolangMigrateUp500.
func BenchmarkShadowColdBuild500(b *testing.B) {
	fsys := history(500)
	src, err := source.Load(fsys, ".", "bench")
	if err != nil {
		b.Fatal(err)
	}
	target, err := dburl.Parse(pgtest.DB(b))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	p, err := shadow.NewProvider(ctx, shadow.WithTarget(target))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(ctx)
	b.ResetTimer()
	for b.Loop() {
		sh, err := p.New(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := sh.Migrate(ctx, src, src.Head()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := sh.Drop(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkGolangMigrateUp500 runs golang-migrate's own up of the same 500
// files into a fresh database (created outside the timer).
func BenchmarkGolangMigrateUp500(b *testing.B) {
	fsys := history(500)
	for b.Loop() {
		b.StopTimer()
		u, err := url.Parse(pgtest.DB(b))
		if err != nil {
			b.Fatal(err)
		}
		u.Scheme = "pgx5"
		b.StartTimer()
		src, err := iofs.New(fsys, ".")
		if err != nil {
			b.Fatal(err)
		}
		m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Up(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		m.Close()
		b.StartTimer()
	}
}
