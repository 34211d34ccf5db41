package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/readiness"
)

// checkAppName is the application_name of guard check's session, unless the
// URL sets one.
const checkAppName = "guard check"

// checkFlags are the flags of guard check.
type checkFlags struct {
	wait            time.Duration
	interval        time.Duration
	timeout         time.Duration
	aheadNotReady   bool
	missingNotReady bool
}

func newCheckCmd(g *globals) *cobra.Command {
	cf := &checkFlags{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check that the database is at the migrations' head, as /health/ready does (exit 5 when not ready)",
		Long: `guard check answers what the readiness package's /health/ready answers, from
the command line (init containers, deploy scripts): it reads golang-migrate's
version table, without locking or creating anything, and compares it with the
head of --source.

  exit 0  ready: db=6 expected=6 (or ahead / no version table, with a warning)
  exit 0  ahead: db=7 (dirty) expected=6, with a warning: migration 7 is
          running (or failed half-way); 1..6 are applied
  exit 5  drift: db=4 expected=6, dirty: db=6 (dirty at or below the head),
          unreachable: …

With --wait, it checks again every --interval until the database is ready or
--wait has passed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCheck(cmd.Context(), g, cf)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&cf.wait, "wait", 0, "keep checking until ready or this long has passed (0: check once)")
	f.DurationVar(&cf.interval, "interval", time.Second, "time between checks with --wait")
	f.DurationVar(&cf.timeout, "timeout", 5*time.Second, "longest one check may take, connecting included")
	f.BoolVar(&cf.aheadNotReady, "ahead-not-ready", false, "a database above the head, or dirty above it, is not ready (default: ready with a warning)")
	f.BoolVar(&cf.missingNotReady, "missing-table-not-ready", false, "a database without a version table is not ready (default: ready with a warning)")
	return cmd
}

func runCheck(ctx context.Context, g *globals, cf *checkFlags) error {
	switch {
	case cf.wait < 0:
		return usageError{errors.New("--wait must not be negative")}
	case cf.interval <= 0:
		return usageError{errors.New("--interval must be positive")}
	case cf.timeout <= 0:
		return usageError{errors.New("--timeout must be positive")}
	}
	cfg, err := g.targetConfig()
	if err != nil {
		return err
	}
	src, err := g.openSource()
	if err != nil {
		return err
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = checkAppName
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	db.SetMaxOpenConns(1)

	opts := []readiness.Option{
		readiness.WithBudget(cf.timeout),
		// Every check asks the database: nothing is reused between polls.
		readiness.WithTTL(time.Nanosecond),
	}
	opts = append(opts, readinessTable(g.table)...)
	if cf.aheadNotReady {
		opts = append(opts, readiness.WithAheadNotReady())
	}
	if cf.missingNotReady {
		opts = append(opts, readiness.WithMissingTableNotReady())
	}
	checker, err := readiness.New(db, src, opts...)
	if err != nil {
		return err
	}

	r, err := checkUntil(ctx, g, checker, cf)
	if err != nil {
		return err
	}
	p := g.printer()
	if p.json {
		if err := p.JSON(r); err != nil {
			return err
		}
	} else {
		p.Printf("%s\n", r.Message)
		if r.Warning != "" {
			p.Printf("warning: %s\n", r.Warning)
		}
	}
	if r.Ready {
		return nil
	}
	if cause := r.Cause(); cause != nil {
		fmt.Fprintln(g.stderr, g.scrub("  cause: "+oneLine(cause.Error())))
	}
	if cf.wait > 0 {
		fmt.Fprintln(g.stderr, g.scrub(fmt.Sprintf("guard: not ready after waiting %v: %s", cf.wait, r.Message)))
	}
	return &exitError{code: ExitNotReady}
}

// readinessTable names the version table t to readiness: a table of the
// current schema by its exact name, one of another schema in the quoted
// form, as golang-migrate's x-migrations-table(-quoted) would.
func readinessTable(t source.Table) []readiness.Option {
	if t.Schema == "" {
		return []readiness.Option{readiness.WithMigrationsTable(t.Name)}
	}
	return []readiness.Option{readiness.WithMigrationsTable(t.String()), readiness.WithMigrationsTableQuoted()}
}

// checkUntil checks once, or with --wait until the answer is ready or the
// wait is over, and returns the last answer. Each new answer while waiting
// is reported on stderr.
func checkUntil(ctx context.Context, g *globals, c *readiness.Checker, cf *checkFlags) (readiness.Result, error) {
	r := c.Check(ctx)
	if r.Ready || cf.wait == 0 {
		return r, ctx.Err()
	}
	deadline := time.NewTimer(cf.wait)
	defer deadline.Stop()
	tick := time.NewTicker(cf.interval)
	defer tick.Stop()
	last := ""
	for {
		if r.Message != last {
			fmt.Fprintln(g.stderr, g.scrub("waiting: "+r.Message))
			last = r.Message
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-deadline.C:
			return r, nil
		case <-tick.C:
		}
		r = c.Check(ctx)
		if r.Ready {
			return r, nil
		}
	}
}
