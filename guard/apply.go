package guard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/enforce"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/sqltext"
)

// Up applies up to n pending migrations (all of them when n <= 0): it plans
// them in a shadow database (see Plan), refuses with *BlockedError when the
// contract blocks the plan (nothing runs on the target), then applies them
// one file at a time through golang-migrate with lock_timeout set, retrying
// a file that hit it, and records each in guard's history table. In auto
// mode, the safe changes applied are promoted into the contract file.
//
// Nothing pending is a Result with no Applied step, not an error; so is a
// database at a version newer than the source's head (an older binary),
// with a warning. A dirty database whose diagnosis is exact (not applied,
// or applied but unrecorded) and whose dirty file runs in one transaction
// is recovered as Recover does, with a warning and a WARN log, and Up goes
// on (unless WithNoAutoRecover); a dirty database under a migration still
// running (golang-migrate's lock held) is waited for within the lock wait.
// Up fails with *DirtyError on any other dirty database (Running set when
// the migration still runs after the wait),
// *EditedError when an applied file changed since, *LockWaitError when
// guard's lock (or golang-migrate's, before a file) stays taken,
// *LockLostError when guard's lock session ends during the run (it stops
// before the next file; every file applied is recorded), and
// *MigrationError when a file fails (after which the database is left
// clean at the version before it whenever the failed file left no trace).
func (r *Runner) Up(ctx context.Context, n int) (*Result, error) {
	return r.migrate(ctx, upTo(n, source.None), Up)
}

// Down reverts up to n applied migrations (all of them when n <= 0), newest
// first, planned and judged like Up. A plan that removes tables or columns
// fails with *DataLossError unless WithAllowDataLoss was given.
func (r *Runner) Down(ctx context.Context, n int) (*Result, error) {
	return r.migrate(ctx, downTo(n, source.None), Down)
}

// Goto migrates up or down to version, which must be in the source, planned
// and judged like Up and Down.
func (r *Runner) Goto(ctx context.Context, version uint64) (*Result, error) {
	v := source.V(version)
	if _, ok := r.src.Find(v); !ok {
		return nil, fmt.Errorf("goto version %d: migrations %s have no such version", version, r.src.Name)
	}
	return r.migrate(ctx, func(src *source.Source, cur source.Version) (move, error) {
		if !v.Less(cur) {
			return upTo(0, v)(src, cur)
		}
		return downTo(0, v)(src, cur)
	}, "")
}

func (r *Runner) migrate(ctx context.Context, sel selector, dir Direction) (_ *Result, err error) {
	s, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.close(ctx)) }()
	h := healNever
	if dir == Up {
		h = r.autoRecover(healApply)
	}
	p, mv, err := r.prepare(ctx, s, sel, dir, h)
	if err != nil {
		return nil, err
	}
	p.Direction = mv.dir
	res := &Result{Plan: p, Applied: []AppliedStep{}, Version: p.Version, Promoted: []string{}, Warnings: append([]string{}, p.Warnings...)}
	recovered, err := s.recoverHistory(ctx, mv.from)
	if err != nil {
		return nil, err
	}
	var notes []string
	if len(recovered) > 0 {
		msg := fmt.Sprintf("recorded %s applied but missing from %s (recovered: an interrupted run, or plain golang-migrate, applied %s): %s",
			plural(len(recovered), "migration"), HistoryTable, pluralWord(len(recovered), "it", "them"), strings.Join(recovered, ", "))
		r.log.Warn(msg)
		notes = append(notes, msg)
		res.Warnings = append(res.Warnings, msg)
	}
	if mv.dir == Up {
		if err := r.refuseEdited(ctx, s, mv.from); err != nil {
			return nil, err
		}
	}

	if len(mv.steps) == 0 {
		return res, nil
	}
	pl, err := r.plan(ctx, s, p, mv)
	if err != nil {
		return nil, err
	}
	res.Warnings = append(append([]string{}, p.Warnings...), notes...)
	if p.Blocked {
		if !r.c.allowBreaking {
			return nil, &BlockedError{Plan: p}
		}
		res.AllowedBreaking = true
		res.Warnings = append(res.Warnings, "the contract blocks this plan: applying it anyway because breaking changes were allowed")
	}
	if err := r.gateHazards(p, res); err != nil {
		return nil, err
	}
	if mv.dir == Down && p.DataLoss && !r.c.allowDataLoss {
		return nil, &DataLossError{Plan: p, Changes: removals(p)}
	}
	if err := r.apply(ctx, s, pl, res); err != nil {
		return nil, err
	}
	return res, nil
}

// autoRecover is h unless WithNoAutoRecover turned recovery off.
func (r *Runner) autoRecover(h heal) heal {
	if r.c.noAutoRecover {
		return healNever
	}
	return h
}

// migrationConfig is the target's config for the migration session:
// lock_timeout so DDL never queues in front of traffic, and on PostgreSQL
// 14+ client_connection_check_interval, so that a guard killed outright
// does not leave its statement running, and no idle_session_timeout: the
// session idles between files while guard records and checks, and holds
// no lock then (golang-migrate's is taken and released by each file).
//
// A file holding a statement that must run outside a transaction (concurrent
// true) gets WithConcurrentLockTimeout's lock_timeout instead: CREATE INDEX
// CONCURRENTLY waits for every older transaction, under lock_timeout.
//
// Behind a transaction pooler no startup parameter reaches the server
// (see pooledConfig): the same settings are made with SET LOCAL in each
// file's transaction instead (migrator.WithTransactionPooler), and a file
// that must run outside a transaction is bounded as a whole by its lock
// timeout, as nothing else can reach its server session.
func (r *Runner) migrationConfig(s *session, concurrent bool) (*pgx.ConnConfig, []migrator.Option, error) {
	timeout := r.c.lockTimeout
	if concurrent {
		timeout = r.c.concTimeout
	}
	settings := map[string]string{"lock_timeout": strconv.FormatInt(timeout.Milliseconds(), 10) + "ms"}
	if s.server >= 140000 {
		settings["client_connection_check_interval"] = "1000ms"
	}
	opts := []migrator.Option{migrator.WithLogger(r.log), migrator.WithStatementTimeout(r.c.stmtTimeout)}
	if s.pooled {
		cfg, err := pooledConfig(r.cfg)
		if err != nil {
			return nil, nil, err
		}
		maps.Copy(settings, poolerFileSettings(r.cfg))
		return cfg, append(opts, migrator.WithTransactionPooler(settings, timeout)), nil
	}
	cfg := r.cfg.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	maps.Copy(cfg.RuntimeParams, settings)
	if s.server >= 140000 {
		cfg.RuntimeParams["idle_session_timeout"] = "0"
	}
	return cfg, opts, nil
}

// openMigrator opens the adapter that runs files on the target (see
// migrationConfig).
func (r *Runner) openMigrator(ctx context.Context, s *session, concurrent bool, opts ...migrator.Option) (*migrator.DB, error) {
	return r.openFileMigrator(ctx, s, concurrent, nil, opts...)
}

// openFileMigrator is openMigrator with contract enforcement's pass (nil:
// none; see enforce.Begin): set with SET LOCAL in each file's transaction,
// and, for the session of the files that run outside a transaction (which
// runs nothing else), on the session. Behind a transaction pooler no
// session setting reaches the server but application_name: that session
// carries the pass in it (enforce.Pass.ApplicationName).
func (r *Runner) openFileMigrator(ctx context.Context, s *session, concurrent bool, pass *enforce.Pass, opts ...migrator.Option) (*migrator.DB, error) {
	cfg, mopts, err := r.migrationConfig(s, concurrent)
	if err != nil {
		return nil, err
	}
	if pass != nil {
		name, value := pass.Setting()
		switch {
		case concurrent && !s.pooled:
			cfg.RuntimeParams[name] = value
		case concurrent:
			mopts = append(mopts, migrator.WithApplicationName(pass.ApplicationName()))
		}
		mopts = append(mopts, migrator.WithFileSettings(map[string]string{name: value}))
	}
	d, err := migrator.OpenDB(ctx, cfg, s.src, s.table, append(mopts, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("open %s for migrating: %w", r.describe(), err)
	}
	return d, nil
}

// apply runs a plan's steps on the target, one at a time, in order.
func (r *Runner) apply(ctx context.Context, s *session, pl *planned, res *Result) (err error) {
	if err := s.ensureHistory(ctx); err != nil {
		return err
	}
	// The files are judged: they pass contract enforcement's event
	// triggers, when installed, within their own transactions.
	pass, err := enforce.Begin(ctx, s.conn)
	if err != nil {
		msg := fmt.Sprintf("migrations run without contract enforcement's pass (the event triggers judge them as any DDL): %v", err)
		r.log.Warn(msg)
		res.Warnings = append(res.Warnings, msg)
	}
	if pass != nil {
		defer func() {
			if perr := pass.End(context.WithoutCancel(ctx), s.conn); perr != nil {
				r.log.Warn("cannot delete contract enforcement's pass", "err", perr)
			}
		}()
	}
	// golang-migrate's own lock, held by a plain migrate process, is waited
	// for within guard's lock wait.
	open := func(concurrent bool) (*migrator.DB, error) {
		return r.openFileMigrator(ctx, s, concurrent, pass, migrator.WithLockTimeout(r.c.lockWait))
	}
	d, err := open(false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, d.Close()) }()
	// Files run outside a transaction get a session of their own, opened
	// when the first one comes (see migrationConfig).
	var dc *migrator.DB
	defer func() {
		if dc != nil {
			err = errors.Join(err, dc.Close())
		}
	}()
	for i, st := range pl.mv.steps {
		// Nothing runs without guard's lock (its session may have ended
		// while planning, or while the previous file ran).
		if err := s.held(ctx); err != nil {
			return lockLost(res, &st, err)
		}
		if err := s.reconnect(ctx); err != nil {
			return err
		}
		// The live schema before the step, to tell whether a failed file
		// left a trace: the shadow's, unless the live schema is not the
		// shadow's (history drift), where it is read as it is.
		expected := pl.schemas[i]
		if len(pl.plan.HistoryDrift) > 0 {
			if expected, err = s.live(ctx); err != nil {
				return err
			}
		}
		sd := d
		if outsideTransaction(s.src, st.File) {
			if dc == nil {
				if dc, err = open(true); err != nil {
					return err
				}
			}
			sd = dc
		}
		as, err := r.runStep(ctx, s, sd, st, expected, res)
		if err != nil {
			return err
		}
		res.Applied = append(res.Applied, as)
	}
	if err := s.held(ctx); err != nil {
		return lockLost(res, nil, err)
	}
	st, err := s.state(ctx)
	if err != nil {
		return err
	}
	res.Version = st.version
	if err := r.promote(ctx, s, pl, res); err != nil {
		return err
	}
	r.syncEnforcement(ctx, s, res)
	return nil
}

// syncEnforcement syncs the contract into the database after files ran,
// when contract enforcement is installed there: the shapes (and OIDs) of
// the locked tables changed, and so may have the contract (promoted). The
// files are applied: a failure is a warning, not an error.
func (r *Runner) syncEnforcement(ctx context.Context, s *session, res *Result) {
	if r.c.contractPath == "" {
		return
	}
	if _, err := os.Stat(r.c.contractPath); errors.Is(err, fs.ErrNotExist) {
		// No contract file here (a deploy image without it): syncing the
		// empty contract would switch enforcement off.
		if ok, ierr := enforce.Installed(ctx, s.conn); ierr == nil && ok {
			msg := fmt.Sprintf("no contract file %s: the contract enforced in the database was left as it is", r.c.contractPath)
			r.log.Warn(msg)
			res.Warnings = append(res.Warnings, msg)
		}
		return
	}
	c, err := r.contract()
	if err == nil {
		_, err = enforce.SyncIfInstalled(ctx, s.conn, c)
	}
	if err != nil {
		msg := fmt.Sprintf("applied, but could not sync the contract enforced in the database (%v): run guard contract enforce sync", err)
		r.log.Warn(msg)
		res.Warnings = append(res.Warnings, msg)
	}
}

// lockLost is the error of a run that lost guard's lock before next (nil:
// after the last file).
func lockLost(res *Result, next *Step, err error) error {
	return &LockLostError{Applied: append([]AppliedStep{}, res.Applied...), Next: next, Err: err}
}

// runStep runs one step on the target and records it, retrying it with
// backoff while it fails on lock_timeout and left no trace. Before each
// attempt it checks that guard still holds its lock (*LockLostError) and
// waits, within the lock wait, for golang-migrate's lock held by another
// process (*LockWaitError).
func (r *Runner) runStep(ctx context.Context, s *session, d *migrator.DB, st Step, expected *schema.Schema, res *Result) (AppliedStep, error) {
	backoff := r.c.retryBackoff
	waitStart := time.Now()
	for attempt := 1; ; attempt++ {
		if err := s.held(ctx); err != nil {
			return AppliedStep{}, lockLost(res, &st, err)
		}
		if err := s.awaitGolangMigrate(ctx, waitStart); err != nil {
			var lw *LockWaitError
			if errors.As(err, &lw) {
				lw.Applied = append([]AppliedStep{}, res.Applied...)
			}
			return AppliedStep{}, err
		}
		r.emit(Event{Kind: EventStepStart, Step: st, Attempt: attempt})
		start := time.Now()
		err := d.Run(ctx, st)
		took := time.Since(start)
		if errors.Is(err, migrator.ErrLockTimeout) && ctx.Err() == nil {
			// golang-migrate's lock was taken by another process between
			// the wait and the file: nothing ran; wait again, within the
			// lock wait.
			if time.Since(waitStart) < r.c.lockWait {
				attempt--
				continue
			}
			h, herr := s.golangMigrateHolder(ctx)
			return AppliedStep{}, errors.Join(&LockWaitError{Lock: lockGolangMigrate, Waited: time.Since(waitStart), Holder: h, Applied: append([]AppliedStep{}, res.Applied...)}, herr)
		}
		if err == nil {
			// The file is applied: its history row is written whether or
			// not guard still holds its lock (on a new connection if
			// guard's session is gone); apply stops before the next file.
			if lerr := s.held(ctx); lerr != nil {
				r.log.Warn("guard's migration lock was lost while a file ran", "file", st.File, "err", lerr)
			}
			if err := r.record(ctx, s, st, took); err != nil {
				// The file is applied: a missing history row is no reason
				// to fail the deploy, but it is said.
				res.Warnings = append(res.Warnings, err.Error())
				r.log.Warn("cannot record applied migration", "err", err)
			}
			r.emit(Event{Kind: EventStepDone, Step: st, Duration: took})
			return AppliedStep{Step: st, DurationMS: msOf(took), Attempts: attempt}, nil
		}
		me := r.migrationError(st, err, attempt, ctx.Err() != nil)
		// A file that failed as a whole (lock_timeout, cancellation, or any
		// error in a file without transaction control) left no trace: make
		// the version clean again at the one before it, after checking that
		// the live schema is indeed unchanged.
		// A statement outside a transaction (CREATE INDEX CONCURRENTLY)
		// that failed leaves its INVALID index behind: drop it first.
		if outsideTransaction(s.src, st.File) {
			if _, derr := r.dropInvalid(ctx, s, expected); derr != nil {
				r.log.Warn("cannot drop the invalid indexes a failed migration left", "file", st.File, "err", derr)
			}
		}
		clean, cerr := r.settle(ctx, s, d, st, expected)
		if cerr != nil {
			r.log.Warn("cannot check the state after a failed migration", "file", st.File, "err", cerr)
		}
		me.Dirty, me.Diagnosis = r.failedState(ctx, s, clean)
		if clean && isLockTimeout(err) && attempt <= r.c.lockRetries && ctx.Err() == nil {
			wait := backoff
			backoff *= 2
			r.emit(Event{Kind: EventStepRetry, Step: st, Attempt: attempt, Wait: wait, Err: err})
			if werr := sleep(ctx, wait); werr != nil {
				me.Canceled = true
				return AppliedStep{}, me
			}
			continue
		}
		r.emit(Event{Kind: EventStepFailed, Step: st, Attempt: attempt, Err: err})
		return AppliedStep{}, me
	}
}

// record writes the history row of a step applied.
func (r *Runner) record(ctx context.Context, s *session, st Step, took time.Duration) error {
	sum, err := fileSum(s.src, st.File)
	if err != nil {
		return err
	}
	return s.record(context.WithoutCancel(ctx), st.Version, st.Name, string(st.Direction), sum, took)
}

// failedState says whether a failed step left the database dirty (when
// the version cannot be read: unless settle found it clean) and diagnoses
// it then; what cannot be read or diagnosed is logged.
func (r *Runner) failedState(ctx context.Context, s *session, clean bool) (bool, *Diagnosis) {
	ctx = context.WithoutCancel(ctx)
	st, err := s.state(ctx)
	if err != nil {
		r.log.Warn("cannot read the version after a failed migration", "err", err)
		return !clean, nil
	}
	if !st.dirty {
		return false, nil
	}
	diag, err := r.diagnose(ctx, s, st)
	if err != nil {
		r.log.Warn("cannot diagnose the dirty database", "err", err)
	}
	return true, diag
}

// migrationError turns the adapter's error for a step into a
// *MigrationError.
func (r *Runner) migrationError(st Step, err error, attempts int, canceled bool) *MigrationError {
	me := &MigrationError{Step: st, Attempts: attempts, Canceled: canceled, Err: err}
	var fe *source.FileError
	if errors.As(err, &fe) {
		me.Line, me.Column, me.Err = fe.Line, fe.Column, fe.Err
	}
	var pgErr *pgconn.PgError
	if errors.As(me.Err, &pgErr) {
		me.Err = pgErr
	}
	return me
}

// settle makes the version clean again after step failed, when the file
// left no trace: the version is still the one before the step, or it is
// dirty at the step's version and the live schema is exactly the expected
// one (and the file could not have committed part of itself). It reports
// whether the database is clean at the version before the step.
func (r *Runner) settle(ctx context.Context, s *session, d *migrator.DB, st Step, expected *schema.Schema) (bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	from := st.From(s.src)
	dirtyAt := source.V(st.Version) // golang-migrate marks the version it goes to
	if st.Direction == Down {
		dirtyAt = st.To
	}
	cur, err := s.state(ctx)
	if err != nil {
		return false, err
	}
	if !cur.dirty {
		return cur.version == from, nil
	}
	if cur.version != dirtyAt || expected == nil || st.File == "" {
		return false, nil
	}
	body, err := s.src.Read(st.File)
	if err != nil {
		return false, err
	}
	if sqltext.TransactionControl(string(body)) {
		return false, nil // part of it may have committed: let the diagnosis tell
	}
	live, err := s.live(ctx)
	if err != nil {
		return false, err
	}
	if len(diff.Schemas(expected, live)) != 0 {
		return false, nil
	}
	if err := d.Force(ctx, from); err != nil {
		return false, err
	}
	r.log.Info("failed migration left no trace: version is clean again", "file", st.File, "version", from)
	return true, nil
}

// outsideTransaction reports whether file holds a statement that must run
// outside a transaction block (sqltext.NoTransaction).
func outsideTransaction(src *source.Source, file string) bool {
	if file == "" {
		return false
	}
	body, err := src.Read(file)
	if err != nil {
		return false
	}
	for _, stmt := range sqltext.Statements(string(body)) {
		if _, ok := sqltext.NoTransaction(stmt); ok {
			return true
		}
	}
	return false
}

// invalidIndexesQuery lists the indexes of the schemas in scope ($1) that
// are not valid or not ready: what a failed or interrupted CREATE INDEX
// CONCURRENTLY leaves.
const invalidIndexesQuery = `SELECT n.nspname::text, c.relname::text
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND NOT (i.indisvalid AND i.indisready)
ORDER BY 1, 2`

// dropInvalid drops, with DROP INDEX CONCURRENTLY, the invalid indexes of
// the live schema that expected (the schema before the file) does not
// have, and returns their qualified names.
func (r *Runner) dropInvalid(ctx context.Context, s *session, expected *schema.Schema) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	had := map[[2]string]bool{}
	if expected != nil {
		for _, t := range expected.Tables {
			for _, ix := range t.Indexes {
				had[[2]string{t.Schema, ix.Name}] = true
			}
		}
	}
	rows, err := s.conn.Query(ctx, invalidIndexesQuery, once, r.c.schemas)
	if err != nil {
		return nil, fmt.Errorf("list invalid indexes of %s: %w", r.describe(), err)
	}
	names, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) ([2]string, error) {
		var n [2]string
		err := row.Scan(&n[0], &n[1])
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("list invalid indexes of %s: %w", r.describe(), err)
	}
	var drop []string
	for _, n := range names {
		if !had[n] {
			drop = append(drop, schema.QuoteIdent(n[0])+"."+schema.QuoteIdent(n[1]))
		}
	}
	return drop, r.dropIndexes(ctx, s, drop)
}

// dropIndexes drops the indexes named (qualified and quoted), each with
// DROP INDEX CONCURRENTLY IF EXISTS.
func (r *Runner) dropIndexes(ctx context.Context, s *session, names []string) error {
	for _, q := range names {
		if _, err := s.conn.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+q, once); err != nil {
			return fmt.Errorf("drop invalid index %s: %w", q, err)
		}
		r.log.Warn("dropped an invalid index left by a failed migration", "index", q)
	}
	return nil
}

// promote promotes, in auto mode, the safe changes applied into the
// contract file.
func (r *Runner) promote(ctx context.Context, s *session, pl *planned, res *Result) error {
	if r.c.contractPath == "" || len(res.Applied) == 0 {
		return nil
	}
	c, err := r.contract()
	if err != nil {
		return err
	}
	live, err := s.live(ctx)
	if err != nil {
		return err
	}
	promoted := c.AutoPromote(live, r.c.clock())
	if len(promoted) == 0 {
		return nil
	}
	if err := c.Save(r.c.contractPath); err != nil {
		// The migrations are in: failing the deploy now (a read-only image,
		// say) would help nobody. Say so loudly instead.
		msg := fmt.Sprintf("applied, but could not write the auto-promoted contract (%v): run `guard contract promote --table %s` where the contract is committed",
			err, strings.Join(promoted, " --table "))
		r.log.Warn(msg)
		res.Warnings = append(res.Warnings, msg)
		return nil
	}
	res.Promoted = promoted
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
