package migrator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Direction is the way a migration file goes.
type Direction string

// The two directions.
const (
	DirectionUp   Direction = "up"
	DirectionDown Direction = "down"
)

// Step is one migration file to run: the up file of Migration, or its down
// file (File is "" when it has none: golang-migrate then only moves the
// version). To is the version after the step, -1 for none.
type Step struct {
	Migration Migration `json:"migration"`
	Direction Direction `json:"direction"`
	File      string    `json:"file,omitempty"`
	To        int64     `json:"to"`
}

// Applied is a step that ran successfully and how long it took.
type Applied struct {
	Step
	Duration time.Duration `json:"duration_ns"`
}

// Pending returns the migrations of the source above the database's
// version, in order. It fails with *DirtyError on a dirty database and with
// *UnknownVersionError when the version is not in the source.
func (d *DB) Pending(ctx context.Context) ([]Migration, error) {
	v, ok, err := d.cleanVersion(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return d.src.Migrations, nil
	}
	return d.src.Upto(v, d.src.Head()), nil
}

// Up applies up to n pending migrations (all of them when n <= 0), one file
// at a time, and returns those applied. Nothing pending is not an error.
// When ctx ends while a file runs, its statement is cancelled on the server
// and a *MigrationError naming the file (with Canceled set) is returned;
// golang-migrate then leaves the database dirty, as it does for any failure.
func (d *DB) Up(ctx context.Context, n int) ([]Applied, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	steps, err := d.plan(ctx, func(cur int64) []Step {
		return d.upSteps(cur, func(i int, _ Migration) bool { return n <= 0 || i < n })
	})
	if err != nil {
		return nil, err
	}
	return d.run(ctx, steps)
}

// Down reverts up to n migrations (all of them when n <= 0), newest first,
// and returns the steps run.
func (d *DB) Down(ctx context.Context, n int) ([]Applied, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	steps, err := d.plan(ctx, func(cur int64) []Step {
		return d.downSteps(cur, func(i int, _ Migration) bool { return n <= 0 || i < n })
	})
	if err != nil {
		return nil, err
	}
	return d.run(ctx, steps)
}

// Migrate goes up or down to version, which must be a version of the
// source, and returns the steps run.
func (d *DB) Migrate(ctx context.Context, version uint64) ([]Applied, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.src.Find(version); !ok {
		return nil, fmt.Errorf("migrate to version %d: migrations %s have no such version", version, d.src.Name)
	}
	steps, err := d.plan(ctx, func(cur int64) []Step {
		if cur < int64(version) {
			return d.upSteps(cur, func(_ int, m Migration) bool { return m.Version <= version })
		}
		return d.downSteps(cur, func(_ int, m Migration) bool { return m.Version > version })
	})
	if err != nil {
		return nil, err
	}
	return d.run(ctx, steps)
}

// Force sets the version and clears the dirty flag without running
// anything, like golang-migrate's force; -1 means no version. The version
// need not be in the source.
func (d *DB) Force(ctx context.Context, version int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if version < -1 {
		return fmt.Errorf("force version %d: must be -1 (none) or above", version)
	}
	if err := d.ensure(ctx); err != nil {
		return err
	}
	err := d.guard(ctx, func() error { return d.m.Force(int(version)) })
	if err != nil {
		return fmt.Errorf("force version %d: %w", version, d.migrateErr(ctx, err))
	}
	return nil
}

// cleanVersion returns the version as -1-less values, failing on dirty.
func (d *DB) cleanVersion(ctx context.Context) (uint64, bool, error) {
	v, dirty, ok, err := d.Version(ctx)
	if err != nil {
		return 0, false, err
	}
	if dirty {
		dv := int64(v)
		if !ok {
			dv = -1
		}
		return 0, false, &DirtyError{Version: dv}
	}
	if ok {
		if _, found := d.src.Find(v); !found {
			return 0, false, &UnknownVersionError{Version: v, Source: d.src.Name}
		}
	}
	return v, ok, nil
}

// plan reads the version and lets f list the steps from it (-1: none).
func (d *DB) plan(ctx context.Context, f func(cur int64) []Step) ([]Step, error) {
	v, ok, err := d.cleanVersion(ctx)
	if err != nil {
		return nil, err
	}
	return f(versionOf(v, ok)), nil
}

// upSteps lists the up steps above cur while more says so for the i-th.
func (d *DB) upSteps(cur int64, more func(i int, m Migration) bool) []Step {
	var steps []Step
	for _, m := range d.src.Migrations {
		if int64(m.Version) <= cur {
			continue
		}
		if !more(len(steps), m) {
			break
		}
		steps = append(steps, Step{Migration: m, Direction: DirectionUp, File: m.Up, To: int64(m.Version)})
	}
	return steps
}

// downSteps lists the down steps from cur, newest first, while more says so
// for the i-th.
func (d *DB) downSteps(cur int64, more func(i int, m Migration) bool) []Step {
	var below []Migration
	for _, m := range d.src.Migrations {
		if int64(m.Version) <= cur {
			below = append(below, m)
		}
	}
	var steps []Step
	for i := len(below) - 1; i >= 0 && more(len(steps), below[i]); i-- {
		to := int64(-1)
		if i > 0 {
			to = int64(below[i-1].Version)
		}
		m := below[i]
		steps = append(steps, Step{Migration: m, Direction: DirectionDown, File: m.Down, To: to})
	}
	return steps
}

// run applies steps one golang-migrate step at a time.
func (d *DB) run(ctx context.Context, steps []Step) ([]Applied, error) {
	var done []Applied
	if len(steps) == 0 {
		return done, nil
	}
	if err := d.ensure(ctx); err != nil {
		return nil, err
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return done, fmt.Errorf("migrate: stopped before %s: %w", s.label(), err)
		}
		if d.opts.before != nil {
			d.opts.before(s)
		}
		start := time.Now()
		n := 1
		if s.Direction == DirectionDown {
			n = -1
		}
		err := d.guard(ctx, func() error { return d.m.Steps(n) })
		took := time.Since(start)
		if err != nil {
			err = d.stepErr(ctx, s, err)
		} else if v, dirty, ok, verr := d.Version(context.WithoutCancel(ctx)); verr != nil {
			err = verr
		} else if got := versionOf(v, ok); dirty || got != s.To {
			err = fmt.Errorf("after %s: version is %d (dirty %t), want %d: %w", s.label(), got, dirty, s.To, ErrConcurrentChange)
		}
		if d.opts.after != nil {
			d.opts.after(s, took, err)
		}
		if err != nil {
			return done, err
		}
		done = append(done, Applied{Step: s, Duration: took})
	}
	return done, nil
}

func versionOf(v uint64, ok bool) int64 {
	if !ok {
		return -1
	}
	return int64(v)
}

func (s Step) label() string {
	if s.File != "" {
		return s.File
	}
	return s.Migration.Label() + " (" + string(s.Direction) + ", no file)"
}

// stepErr turns golang-migrate's error for step s into a *MigrationError.
func (d *DB) stepErr(ctx context.Context, s Step, err error) error {
	err = d.migrateErr(ctx, err)
	var dirty *DirtyError
	if errors.As(err, &dirty) || errors.Is(err, ErrLockTimeout) {
		return err
	}
	me := &MigrationError{Migration: s.Migration, Direction: s.Direction, File: s.File, Err: err, Canceled: ctx.Err() != nil}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Position > 0 && s.File != "" {
		if body, rerr := d.src.Read(s.File); rerr == nil {
			me.Line, me.Column, _ = Position(string(body), int(pgErr.Position))
		}
	}
	if v, dirty, ok, verr := d.Version(context.WithoutCancel(ctx)); verr == nil && dirty {
		me.Dirty, me.DirtyVersion = true, versionOf(v, ok)
	}
	return me
}

// migrateErr maps golang-migrate's errors to ours, keeping the PostgreSQL
// error reachable with errors.As, and adds the cause when ctx ended.
func (d *DB) migrateErr(ctx context.Context, err error) error {
	err = d.mapErr(ctx, err)
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return &canceledError{err: err, cause: context.Cause(ctx)}
	}
	return err
}

// canceledError is an error that happened because the context ended.
type canceledError struct{ err, cause error }

func (e *canceledError) Error() string   { return fmt.Sprintf("%v (%v)", e.err, e.cause) }
func (e *canceledError) Unwrap() []error { return []error{e.err, e.cause} }

func (d *DB) mapErr(ctx context.Context, err error) error {
	var dbErr database.Error
	var dbErrP *database.Error
	var dirty migrate.ErrDirty
	switch {
	case errors.As(err, &dbErr):
		return scrub(dbErr.OrigErr, d.cfg)
	case errors.As(err, &dbErrP):
		return scrub(dbErrP.OrigErr, d.cfg)
	case errors.As(err, &dirty):
		return &DirtyError{Version: int64(dirty.Version)}
	case errors.Is(err, migrate.ErrLockTimeout):
		// The driver is still waiting for pg_advisory_lock: cancel it so the
		// session does not take the lock later and keep it.
		d.cancelBackends(context.WithoutCancel(ctx))
		return ErrLockTimeout
	case errors.Is(err, migrate.ErrNoChange), errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %v", ErrConcurrentChange, err)
	}
	return scrub(err, d.cfg)
}

// ensure creates the golang-migrate instance, which creates the version
// table if missing.
func (d *DB) ensure(ctx context.Context) error {
	if d.m != nil {
		return nil
	}
	srcDrv, err := iofs.New(d.src.FS, ".")
	if err != nil {
		return fmt.Errorf("open migrations %s: %w", d.src.Name, err)
	}
	var drv database.Driver
	err = d.guard(ctx, func() error {
		var err error
		drv, err = pgxmigrate.WithInstance(d.sqlDB, &pgxmigrate.Config{
			MigrationsTable:       d.opts.table,
			MigrationsTableQuoted: d.opts.quoted,
			SchemaName:            d.schema,
			// The migrate CLI names the database by its URL path: use the
			// same name so both take the same advisory lock.
			DatabaseName:     "/" + d.dbName,
			StatementTimeout: d.opts.statementTimeout,
		})
		return err
	})
	if err != nil {
		_ = srcDrv.Close()
		return fmt.Errorf("prepare version table %s: %w", d.tableIdent(), d.migrateErr(ctx, err))
	}
	m, err := migrate.NewWithInstance("iofs", srcDrv, "pgx5", drv)
	if err != nil {
		_ = srcDrv.Close()
		return fmt.Errorf("open golang-migrate: %w", err)
	}
	m.Log = migrateLogger{d}
	if d.opts.lockTimeout > 0 {
		m.LockTimeout = d.opts.lockTimeout
	}
	d.m = m
	return nil
}

// guard runs fn (a golang-migrate call, which takes no context) so that
// when ctx ends, the statements of our sessions are cancelled on the
// server, from another connection, until fn returns.
func (d *DB) guard(ctx context.Context, fn func() error) error {
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		conn, err := d.cancelConn(cctx)
		if err != nil {
			d.opts.logger.Warn("cannot cancel running migration", "err", err)
			return
		}
		defer conn.Close(cctx)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if err := cancelOn(cctx, conn, d.appName); err != nil {
				d.opts.logger.Warn("cannot cancel running migration", "err", err)
				return
			}
			select {
			case <-done:
				return
			case <-cctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	err := fn()
	close(done)
	<-watched
	return err
}

func (d *DB) cancelConn(ctx context.Context) (*pgx.Conn, error) {
	cfg := d.cfg.Copy()
	cfg.RuntimeParams["application_name"] = "guard-cancel"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	return conn, scrub(err, d.cfg)
}

// cancelBackends cancels what our sessions run, once.
func (d *DB) cancelBackends(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := d.cancelConn(cctx)
	if err != nil {
		d.opts.logger.Warn("cannot cancel lock wait", "err", err)
		return
	}
	defer conn.Close(cctx)
	if err := cancelOn(cctx, conn, d.appName); err != nil {
		d.opts.logger.Warn("cannot cancel lock wait", "err", err)
	}
}

// cancelOn sends pg_cancel_backend to the active sessions named appName,
// except the advisory unlock, which must run for the lock to be released.
func cancelOn(ctx context.Context, conn *pgx.Conn, appName string) error {
	_, err := conn.Exec(ctx, `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid() AND state = 'active'
		  AND query NOT LIKE 'SELECT pg_advisory_unlock(%'`, appName)
	return err
}

type migrateLogger struct{ d *DB }

func (l migrateLogger) Printf(format string, v ...any) {
	l.d.opts.logger.Debug(fmt.Sprintf(format, v...), "component", "golang-migrate")
}

func (l migrateLogger) Verbose() bool { return false }

// Position converts PostgreSQL's error position (1-based, in characters)
// within text to a 1-based line and column; ok is false when pos is out of
// range. It counts the way golang-migrate does.
func Position(text string, pos int) (line, col int, ok bool) {
	runes := []rune(text)
	if pos < 1 || pos > len(runes) {
		return 0, 0, false
	}
	line, col = 1, 1
	for _, r := range runes[:pos-1] {
		if r == '\n' {
			line, col = line+1, 1
		} else if r != '\r' {
			col++
		}
	}
	return line, col, true
}
