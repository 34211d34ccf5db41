package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/source"
)

// migrateFlags are the flags of the migrate commands.
type migrateFlags struct {
	lockWait      time.Duration
	lockTimeout   time.Duration
	lockRetries   int
	concTimeout   time.Duration
	allowBreaking bool
	allowEdited   bool
	shadowCache   bool
	noAutoRecover bool
	yes           bool
	pooler        string
	failOnDrift   bool
	hazards       hazardFlags // see migrate_hazards.go
}

func newMigrateCmd(g *globals) *cobra.Command {
	mf := &migrateFlags{}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Plan, apply and recover migrations (golang-migrate compatible)",
		Long: `guard migrate applies golang-migrate migrations safely: it dry-runs them in a
shadow database, classifies every change against the contract, refuses what
the contract forbids, holds its own lock (one migrator at a time), sets
lock_timeout on the migration session and records what it applies in
guard_history. The version table stays golang-migrate's own.`,
	}
	f := cmd.PersistentFlags()
	f.DurationVar(&mf.lockWait, "lock-wait", guard.DefaultLockWait, "how long to wait for another guard migrating the same database")
	f.DurationVar(&mf.lockTimeout, "lock-timeout", guard.DefaultLockTimeout, "PostgreSQL lock_timeout of the migration session: DDL never queues behind traffic longer")
	f.DurationVar(&mf.concTimeout, "concurrent-lock-timeout", guard.DefaultConcurrentLockTimeout, "lock_timeout of a file holding a statement that must run outside a transaction (CREATE INDEX CONCURRENTLY waits for older transactions); 0 is none")
	f.IntVar(&mf.lockRetries, "lock-retries", guard.DefaultLockRetries, "retries (with backoff) of a migration that hit lock_timeout")
	f.BoolVar(&mf.allowBreaking, "allow-breaking", false, "apply even what the contract blocks (says so loudly)")
	mf.hazards.register(f)
	f.BoolVar(&mf.allowEdited, "allow-edited", false, "apply even when an applied migration file changed since")
	f.BoolVar(&mf.failOnDrift, "fail-on-drift", false, "make history drift (a live schema that is not what its applied migrations produce) an error, exit 1; by default it is a warning and the dry-run starts from a copy of the live schema")
	f.StringVar(&mf.pooler, "pooler", string(guard.PoolerAuto), "how the database URL reaches the server: auto (tell by looking), none (directly), transaction (through a transaction pooler such as PgBouncer in transaction mode)")
	f.BoolVar(&mf.shadowCache, "shadow-cache", false, "cache replayed histories as template databases (default on with --shadow-url; opt-in on the target's server)")
	cmd.AddCommand(
		newMigratePlanCmd(g, mf), newMigrateUpCmd(g, mf), newMigrateDownCmd(g, mf), newMigrateGotoCmd(g, mf),
		newMigrateStatusCmd(g, mf), newMigrateForceCmd(g, mf), newMigrateRecoverCmd(g, mf), newMigrateCreateCmd(g), newMigrateHashCmd(g),
		newMigrateVersionCmd(g, mf), newMigrateHistoryCmd(g, mf),
	)
	return cmd
}

// runner builds the library's runner from the flags.
func (mf *migrateFlags) runner(cmd *cobra.Command, g *globals, p *printer) (*guard.Runner, error) {
	cfg, err := g.targetConfig()
	if err != nil {
		return nil, err
	}
	src, err := g.openSource()
	if err != nil {
		return nil, err
	}
	opts := []guard.Option{
		guard.WithContract(g.contractPath),
		guard.WithSchemas(g.schemas...),
		guard.WithMigrationsTable(g.table.Key()),
		guard.WithLockWait(mf.lockWait),
		guard.WithLockTimeout(mf.lockTimeout),
		guard.WithLockRetries(mf.lockRetries),
		guard.WithConcurrentLockTimeout(mf.concTimeout),
		guard.WithProgress(p.progress(g)),
	}
	if mf.lockWait <= 0 {
		return nil, usageError{errors.New("--lock-wait must be positive")}
	}
	if mf.lockTimeout < time.Millisecond {
		return nil, usageError{errors.New("--lock-timeout must be at least 1ms")}
	}
	if mf.concTimeout < 0 || mf.concTimeout > 0 && mf.concTimeout < time.Millisecond {
		return nil, usageError{errors.New("--concurrent-lock-timeout must be 0 (none) or at least 1ms")}
	}
	if mf.lockRetries < 0 {
		return nil, usageError{errors.New("--lock-retries must not be negative")}
	}
	pooler, err := guard.ParsePooler(mf.pooler)
	if err != nil {
		return nil, usageError{fmt.Errorf("--pooler: %w", err)}
	}
	opts = append(opts, guard.WithPooler(pooler), guard.WithStatementTimeout(g.stmtTimeout))
	if g.shadowURL != "" {
		opts = append(opts, guard.WithShadowURL(g.shadowURL))
	}
	if cmd.Flags().Changed("shadow-cache") {
		opts = append(opts, guard.WithShadowCache(mf.shadowCache))
	}
	if mf.allowBreaking {
		opts = append(opts, guard.WithAllowBreaking())
	}
	if mf.allowEdited {
		opts = append(opts, guard.WithAllowEdited())
	}
	if mf.yes {
		opts = append(opts, guard.WithAllowDataLoss())
	}
	if mf.noAutoRecover {
		opts = append(opts, guard.WithNoAutoRecover())
	}
	if mf.failOnDrift {
		opts = append(opts, guard.WithFailOnDrift())
	}
	opts = append(opts, mf.hazards.options()...)
	return guard.New(cfg, src, opts...)
}

// noAutoRecoverUsage is the help of --no-auto-recover.
const noAutoRecoverUsage = "on a dirty database whose diagnosis is exact (not applied, or applied but unrecorded) and whose file runs in one transaction, stop with exit 4 instead of recovering and going on"

func newMigratePlanCmd(g *globals, mf *migrateFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Dry-run the pending migrations in a shadow database and judge them against the contract (exit 3 when up would be blocked)",
		Long: `--format github writes each hazard as a GitHub Actions annotation
(::warning file=…,line=…::…, ::error when the contract's hazard policy
blocks it) before the text report.`,
		Args:              noArgs,
		PersistentPreRunE: acceptGitHub(g),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := g.printer()
			r, err := mf.runner(cmd, g, p)
			if err != nil {
				return err
			}
			plan, err := r.Plan(cmd.Context())
			if err != nil {
				return p.failure(err)
			}
			if p.json {
				if err := p.JSON(plan); err != nil {
					return err
				}
			} else {
				if g.format == "github" {
					p.hazardAnnotations(g, "plan", plan)
				}
				p.plan(plan)
			}
			if plan.Blocked || plan.HazardsBlocked {
				return &exitError{code: ExitBlocked}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&mf.noAutoRecover, "no-auto-recover", false, noAutoRecoverUsage+" (as up would)")
	return cmd
}

func newMigrateUpCmd(g *globals, mf *migrateFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "up [N]",
		Short: "Plan, then apply all pending migrations (or the next N) unless the contract blocks them",
		Long: `--format github writes each hazard of the plan as a GitHub Actions
annotation (::warning file=…,line=…::…, ::error when the contract's hazard
policy blocks it) before the text report.`,
		Args:              cobra.MaximumNArgs(1),
		PersistentPreRunE: acceptGitHub(g),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := countArg(args, 0)
			if err != nil {
				return err
			}
			p := g.printer()
			r, err := mf.runner(cmd, g, p)
			if err != nil {
				return err
			}
			res, err := r.Up(cmd.Context(), n)
			if g.format == "github" {
				if pl := planOf(res, err); pl != nil {
					p.hazardAnnotations(g, "up", pl)
				}
			}
			return p.result(g, res, err)
		},
	}
	cmd.Flags().BoolVar(&mf.noAutoRecover, "no-auto-recover", false, noAutoRecoverUsage)
	return cmd
}

func newMigrateDownCmd(g *globals, mf *migrateFlags) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "down [N | --all]",
		Short: "Plan, then revert the last migration (or the last N, or all); --yes when it drops tables or columns",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := countArg(args, 1)
			if err != nil {
				return err
			}
			if all {
				if len(args) > 0 {
					return usageError{errors.New("give N or --all, not both")}
				}
				n = 0
			}
			p := g.printer()
			r, err := mf.runner(cmd, g, p)
			if err != nil {
				return err
			}
			res, err := r.Down(cmd.Context(), n)
			return p.result(g, res, err)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "revert every applied migration")
	cmd.Flags().BoolVar(&mf.yes, "yes", false, "go ahead even though it drops tables or columns")
	return cmd
}

func newMigrateGotoCmd(g *globals, mf *migrateFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "goto V",
		Short: "Plan, then migrate up or down to version V; --yes when it drops tables or columns",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return usageError{fmt.Errorf("version %q is not a number", args[0])}
			}
			p := g.printer()
			r, err := mf.runner(cmd, g, p)
			if err != nil {
				return err
			}
			res, err := r.Goto(cmd.Context(), v)
			return p.result(g, res, err)
		},
	}
	cmd.Flags().BoolVar(&mf.yes, "yes", false, "go ahead even though it drops tables or columns")
	return cmd
}

func newMigrateStatusCmd(g *globals, mf *migrateFlags) *cobra.Command {
	var drift bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Version, dirty flag, pending files, history and contract drift (exit 0 up to date or ahead, 5 pending, 4 dirty)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := g.printer()
			r, err := mf.runner(cmd, g, p)
			if err != nil {
				return err
			}
			var opts []guard.StatusOption
			if drift {
				opts = append(opts, guard.CheckDrift())
			}
			st, err := r.Status(cmd.Context(), opts...)
			if err != nil {
				return err
			}
			if p.json {
				if err := p.JSON(st); err != nil {
					return err
				}
			} else {
				p.status(st)
			}
			switch {
			case st.Dirty && st.Running != nil:
				return &exitError{code: ExitNotReady} // in progress, not broken
			case st.Dirty:
				return &exitError{code: ExitDirty}
			case len(st.Pending) > 0:
				return &exitError{code: ExitNotReady}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&drift, "drift", false, "check history drift too: build the applied history's schema in a shadow database and compare it with the live one")
	return cmd
}

func newMigrateForceCmd(g *globals, mf *migrateFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "force V|none --yes",
		Short: "Set the version (none: no migration applied) and clear the dirty flag without running anything",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := forceArg(args[0])
			if err != nil {
				return err
			}
			if !mf.yes {
				return &hintError{err: fmt.Errorf("force version %s: not confirmed", v),
					hint: "force runs nothing and trusts you that the schema is at that version: check with `guard migrate status`, then pass --yes"}
			}
			p := g.printer()
			r, err := mf.runner(cmd, g, p)
			if err != nil {
				return err
			}
			res, err := r.Force(cmd.Context(), v)
			if err != nil {
				return err
			}
			if p.json {
				return p.JSON(res)
			}
			was := res.Previous.String()
			if res.WasDirty {
				was += ", dirty"
			}
			p.Printf("Version forced to %s (was %s).\n", res.Version, was)
			return nil
		},
	}
	cmd.Flags().BoolVar(&mf.yes, "yes", false, "confirm")
	return cmd
}

func newMigrateRecoverCmd(g *globals, mf *migrateFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "recover",
		Short: "Diagnose a dirty database and set its version when the live schema says unambiguously where it is",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := g.printer()
			r, err := mf.runner(cmd, g, p)
			if err != nil {
				return err
			}
			res, err := r.Recover(cmd.Context())
			if err != nil {
				return p.failure(err)
			}
			if p.json {
				return p.JSON(res)
			}
			if !res.Dirty {
				p.Printf("Not dirty: nothing to recover (version %s).\n", res.Version)
				return nil
			}
			p.diagnosis(res.Diagnosis, "")
			p.Printf("Recovered: version set to %s, clean. Run `guard migrate up` to go on.\n", res.Version)
			return nil
		},
	}
}

func newMigrateCreateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "create NAME",
		Short: "Create the up and down files of a new migration, numbered after the last",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := g.sourceDir()
			if err != nil {
				return err
			}
			c, err := guard.CreateMigration(dir, strings.Join(args, " "))
			if err != nil {
				return err
			}
			p := g.printer()
			if p.json {
				return p.JSON(c)
			}
			p.Printf("Created %s\nCreated %s\n", c.Up, c.Down)
			return nil
		},
	}
}

// forceArg parses the V of force: a version, or none (also -1, as
// golang-migrate writes it).
func forceArg(arg string) (source.Version, error) {
	if arg == "none" {
		return source.None, nil
	}
	v, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || v < -1 {
		return source.None, usageError{fmt.Errorf("version %q must be a number, or none (-1)", arg)}
	}
	return source.FromInt(v), nil
}

// countArg parses the optional N of up and down.
func countArg(args []string, def int) (int, error) {
	if len(args) == 0 {
		return def, nil
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		return 0, usageError{fmt.Errorf("the count must be a positive number, got %q", args[0])}
	}
	return n, nil
}

// planOf is the plan of a run: its result's, or the one a block refused.
func planOf(res *guard.Result, err error) *guard.Plan {
	var be *guard.BlockedError
	var hb *guard.HazardsBlockedError
	switch {
	case res != nil && res.Plan != nil:
		return res.Plan
	case errors.As(err, &hb):
		return hb.Plan
	case errors.As(err, &be):
		return be.Plan
	}
	return nil
}
