package serve

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/assert/v2"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/internal/dburl"
	"github.com/schemaguard/guard/internal/pgtest"
)

// TestServeBenchmark is the figure: 200 targets of 50 tables each,
// checked every 10 s by 2 replicas on this machine. It reports whether the
// check rate held (checks per interval against the targets), the p99 check
// duration, and how the state database grows while the targets do not
// change (versions deduplicate: it must not). It takes about a minute and
// runs only with GUARD_SERVE_BENCH=1:
//
//	GUARD_SERVE_BENCH=1 go test -count=1 -run ServeBenchmark -v ./serve/
//
// GUARD_SERVE_BENCH_TARGETS, _TABLES and _INTERVALS change the size.
func TestServeBenchmark(t *testing.T) {
	if os.Getenv("GUARD_SERVE_BENCH") == "" {
		t.Skip("a benchmark: set GUARD_SERVE_BENCH=1")
	}
	targets, tables, intervals := envInt("GUARD_SERVE_BENCH_TARGETS", 200), envInt("GUARD_SERVE_BENCH_TABLES", 50), envInt("GUARD_SERVE_BENCH_INTERVALS", 4)
	const interval = 10 * time.Second
	ctx := t.Context()
	tpl := pgtest.DB(t)
	var ddl strings.Builder
	for i := range tables {
		fmt.Fprintf(&ddl, `CREATE TABLE t%03d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,
			parent bigint, amount numeric(12,2) DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now(), note varchar(200),
			CHECK (amount >= 0));
			CREATE INDEX ON t%03d (created_at);`, i, i)
		if i > 0 {
			fmt.Fprintf(&ddl, `ALTER TABLE t%03d ADD FOREIGN KEY (parent) REFERENCES t%03d (id);`, i, i-1)
		}
	}
	pgtest.Exec(t, tpl, ddl.String())
	cfg, err := dburl.Parse(tpl)
	assert.NoError(t, err)
	tplName := cfg.Database
	start := time.Now()
	state := pgtest.DB(t)
	key := testKey(t)
	admin := newService(t, state, key)
	for i := range targets {
		name := fmt.Sprintf("%s_b%03d", tplName, i)
		copyDatabase(t, name, tplName)
		u, err := dburl.WithDatabase(tpl, name)
		assert.NoError(t, err)
		_, err = admin.RegisterTarget(ctx, TargetSpec{Name: fmt.Sprintf("b%03d", i), URL: u, IntervalSeconds: int(interval / time.Second)})
		assert.NoError(t, err)
	}
	t.Logf("setup: %d databases of %d tables in %s", targets, tables, time.Since(start).Round(time.Second))

	for _, id := range []string{"r1", "r2"} {
		run(t, newService(t, state, key, WithReplicaID(id), WithPoll(200*time.Millisecond)))
	}
	total := func() int { return count(t, admin, `SELECT coalesce(sum(checks), 0)::int FROM guard_serve.targets`) }
	eventually(t, "the first round", func() bool { return total() >= targets })
	vacuum := func() {
		conn := pgtest.Connect(t, state)
		_, err := conn.Exec(ctx, `VACUUM guard_serve.targets, guard_serve.versions, guard_serve.events`)
		assert.NoError(t, err)
	}
	size := func() (bytes int64, versions, events int) {
		assert.NoError(t, admin.pool.QueryRow(ctx, `SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'guard_serve' AND c.relkind = 'r'`).Scan(&bytes))
		return bytes, count(t, admin, `SELECT count(*) FROM guard_serve.versions`), count(t, admin, `SELECT count(*) FROM guard_serve.events`)
	}
	vacuum()
	b0, v0, e0 := size()
	c0 := total()
	t0 := time.Now()
	var durations []int
	var bHalf int64
	for i := range intervals {
		deadline := time.Now().Add(interval)
		for time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond) // a benchmark's clock, not a test's wait
		}
		rows, err := admin.pool.Query(ctx, `SELECT last_duration_ms::int FROM guard_serve.targets`)
		assert.NoError(t, err)
		ds, err := pgx.CollectRows(rows, pgx.RowTo[int])
		assert.NoError(t, err)
		durations = append(durations, ds...)
		if i == intervals/2-1 {
			vacuum()
			bHalf, _, _ = size()
		}
	}
	elapsed := time.Since(t0)
	checks := total() - c0
	vacuum()
	b1, v1, e1 := size()
	sort.Ints(durations)
	p := func(q float64) int { return durations[int(q*float64(len(durations)-1))] }
	perInterval := float64(checks) / (elapsed.Seconds() / interval.Seconds())
	day := 24 * time.Hour.Seconds() / elapsed.Seconds()
	t.Logf("%d targets x %d tables, every %s, 2 replicas, over %s:", targets, tables, interval, elapsed.Round(time.Second))
	t.Logf("  checks per interval: %.0f (targets: %d) -> rate held: %v", perInterval, targets, perInterval >= 0.95*float64(targets))
	t.Logf("  check duration: p50 %d ms, p99 %d ms, max %d ms (%d samples)", p(0.5), p(0.99), durations[len(durations)-1], len(durations))
	t.Logf("  state growth of unchanged targets: %d versions, %d events (%.0f rows/day); on disk after VACUUM: %d bytes at the start, +%d over the first half, +%d over the second",
		v1-v0, e1-e0, float64(v1-v0+e1-e0)*day, b0, bHalf-b0, b1-bHalf)
	assert.Equal(t, v0, v1, "versions deduplicate")
	assert.Equal(t, int64(0), b1-bHalf, "unchanged targets do not grow the state")
	assert.Equal(t, e0, e1)
	assert.True(t, perInterval >= 0.95*float64(targets), "the check rate held")
	assert.True(t, perInterval <= 1.05*float64(targets), "checked once per interval, not once per replica")
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}

// copyDatabase creates database name as a copy of template on the test
// server, dropped when the test ends.
func copyDatabase(t *testing.T, name, template string) {
	t.Helper()
	admin := pgtest.Server(t)
	pgtest.Exec(t, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize())
	t.Cleanup(func() {
		pgtest.Exec(t, admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
}
