package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/benchschema"
)

// benchInspect: guard's introspection of a 5,000-table schema against
// pg_dump --schema-only of the same database, and the peak memory of
// guard schema inspect.
func benchInspect(ctx context.Context, e *env) error {
	tables := 5000
	if e.quick {
		tables = 300
	}
	url, drop, err := e.createDB(ctx, "guard_bench_inspect")
	if err != nil {
		return err
	}
	defer drop()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	start := time.Now()
	if err := benchschema.Build(ctx, conn, tables); err != nil {
		return err
	}
	var cols, idx, fns, trgs, seqs, pols, grants int
	_ = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'),
		(SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'),
		(SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
		(SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal),
		(SELECT count(*) FROM pg_sequences WHERE schemaname = 'public'),
		(SELECT count(*) FROM pg_policies WHERE schemaname = 'public'),
		(SELECT count(*) FROM pg_class c, aclexplode(c.relacl) WHERE c.relnamespace = 'public'::regnamespace AND grantee <> c.relowner)
		 + (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid, aclexplode(a.attacl)
		    WHERE c.relnamespace = 'public'::regnamespace AND a.attacl IS NOT NULL)`).
		Scan(&cols, &idx, &fns, &trgs, &seqs, &pols, &grants)
	fmt.Printf("   schema: %d tables, %d columns, %d indexes, %d functions, %d triggers, %d sequences (identity columns' too), %d policies, %d grants (built in %s)\n",
		tables, cols, idx, fns, trgs, seqs, pols, grants, time.Since(start).Round(time.Millisecond))

	var got *schema.Schema
	inspect, err := median(5, func() (time.Duration, error) {
		t := time.Now()
		s, err := schema.Inspect(ctx, conn)
		got = s
		return time.Since(t), err
	})
	if err != nil {
		return err
	}
	if len(got.Tables) != tables {
		return fmt.Errorf("inspect found %d tables, want %d", len(got.Tables), tables)
	}
	dump, err := median(3, func() (time.Duration, error) {
		t := time.Now()
		out, err := command(ctx, filepath.Join(e.binDir, "pg_dump"), "--schema-only", "--no-owner", "-f", "/dev/null", "-d", url).CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("pg_dump: %v: %s", err, out)
		}
		return time.Since(t), nil
	})
	if err != nil {
		return err
	}
	compare("guard introspection (schema.Inspect, median of 5)", inspect, "pg_dump --schema-only (median of 3)", dump, "≤ 0.10×")

	// The CLI end to end, for its peak memory.
	cmd := command(ctx, e.guard, "--database-url", url, "schema", "inspect", "--format", "json")
	var out bytes.Buffer
	cmd.Stdout = &out
	t := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("guard schema inspect: %v", err)
	}
	took := time.Since(t)
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	fmt.Printf("   %-52s %12s\n", "guard schema inspect --format json (whole process)", round(took))
	fmt.Printf("   %-52s %9.1f MB   (target < 150 MB; JSON output %.1f MB)\n", "peak memory (max RSS)", float64(rss)/1024, float64(out.Len())/(1<<20))
	return nil
}

func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, name, args...)
}
