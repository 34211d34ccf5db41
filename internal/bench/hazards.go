package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// benchHazards (issue 12): a warm `guard migrate plan` of one pending file
// of three statements that have hazards (a blocking index build, a
// rewrite, a backfill under the rewrite's lock), observed statement by
// statement in the shadow and sized on the target, against the same plan
// with --no-hazards (the file replayed whole, nothing observed), on a
// generated history of 200 files. Interleaved runs, medians.
func benchHazards(ctx context.Context, e *env) error {
	n := 200
	if e.quick {
		n = 30
	}
	dir, err := os.MkdirTemp("", "guard-bench-hazards-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	hist := filepath.Join(dir, "hist")
	if err := writeRealisticHistory(hist, n); err != nil {
		return err
	}
	target, dropTarget, err := e.createDB(ctx, "guard_bench_hazards_target")
	if err != nil {
		return err
	}
	defer dropTarget()
	if err := golangMigrateUp(hist, target); err != nil {
		return err
	}
	pending := `CREATE INDEX items_1_created ON items_1 (created_at);
ALTER TABLE items_1 ADD COLUMN score float8 DEFAULT random();
UPDATE items_1 SET score = 0;
`
	if err := os.WriteFile(filepath.Join(hist, fmt.Sprintf("%06d_hazards.up.sql", n+1)), []byte(pending), 0o644); err != nil {
		return err
	}
	plan := func(extra ...string) (time.Duration, string, error) {
		args := append([]string{"--database-url", target, "--shadow-url", e.admin, "--source", hist,
			"--contract", filepath.Join(dir, "guard.contract.json"), "migrate", "plan"}, extra...)
		cmd := command(ctx, e.guard, args...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		if err != nil {
			return 0, "", fmt.Errorf("guard migrate plan %s: %v: %s", strings.Join(extra, " "), err, lastLines(string(out)))
		}
		return took, string(out), nil
	}
	_, out, err := plan() // fills the template cache
	if err != nil {
		return err
	}
	defer dropTemplates(ctx, e.admin, target, hist)
	for _, code := range []string{"blocking_index_build", "table_rewrite", "lock_held_across"} {
		if !strings.Contains(out, code) {
			return fmt.Errorf("guard migrate plan: no %s in its report: %s", code, lastLines(out))
		}
	}
	var with, without []time.Duration
	for i := 0; i < warmRuns; i++ {
		w, _, err := plan()
		if err != nil {
			return err
		}
		wo, _, err := plan("--no-hazards")
		if err != nil {
			return err
		}
		with, without = append(with, w), append(without, wo)
	}
	fmt.Printf("\n   history of %d files, one pending file of 3 statements with hazards (index build, rewrite, backfill under the lock)\n", n)
	compare(fmt.Sprintf("guard migrate plan, warm, hazards (median of %d)", warmRuns), medianOf(with),
		"guard migrate plan, warm, --no-hazards", medianOf(without), "≤ 1.2×")
	return nil
}
