package migrator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sqltext"
)

// Run runs exactly step, a step of the DB's source, through golang-migrate:
// the database must be clean at the step's starting version, and is at
// step.To afterwards. It fails with ErrDirty on a dirty database (see
// DirtyVersion), with ErrConcurrentChange when the version is not the
// step's start (or not its end afterwards: another process migrates the
// same database), and with *source.FileError when the file fails. When ctx
// ends while the file runs, its statement is cancelled on the server;
// golang-migrate then leaves the database dirty, as it does for any
// failure.
func (d *DB) Run(ctx context.Context, step source.Step) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("migrate: stopped before %s: %w", label(step), context.Cause(ctx))
	}
	if err := d.inSource(step); err != nil {
		return err
	}
	from := step.From(d.src)
	v, dirty, err := d.Version(ctx)
	if err != nil {
		return err
	}
	if dirty {
		return &dirtyError{version: v}
	}
	if v != from {
		return fmt.Errorf("run %s: database is at version %s, the step starts from %s: %w", label(step), v, from, ErrConcurrentChange)
	}
	if err := d.ensure(ctx); err != nil {
		return err
	}
	n := 1
	if step.Direction == source.Down {
		n = -1
	}
	err = d.guard(ctx, func() error { return d.m.Steps(n) })
	if err != nil {
		return d.stepErr(ctx, step, err)
	}
	if v, dirty, err = d.Version(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	if dirty || v != step.To {
		return fmt.Errorf("after %s: version is %s (dirty %t), want %s: %w", label(step), v, dirty, step.To, ErrConcurrentChange)
	}
	return nil
}

// inSource checks that step is a step of the DB's source: golang-migrate
// runs the source's next (or current) file, which must be the step's.
func (d *DB) inSource(step source.Step) error {
	m, ok := d.src.Find(source.V(step.Version))
	if !ok {
		return fmt.Errorf("run %s: migrations %s have no version %d", label(step), d.src.Name, step.Version)
	}
	want := source.UpStep(m)
	if step.Direction == source.Down {
		want = source.Step{Version: m.Version, Name: m.Name, File: m.Down, Direction: source.Down, To: d.src.Prev(want.To)}
	}
	if step != want {
		return fmt.Errorf("run %s: not a step of migrations %s (want file %q to version %s)", label(step), d.src.Name, want.File, want.To)
	}
	return nil
}

// Goto runs the steps from the database's version to version v, one Run
// each: a convenience for tests and tools that migrate without judging.
func (d *DB) Goto(ctx context.Context, v source.Version) error {
	cur, dirty, err := d.Version(ctx)
	if err != nil {
		return err
	}
	if dirty {
		return &dirtyError{version: cur}
	}
	if !d.src.Has(cur) {
		return &source.UnknownVersionError{Version: cur, Head: d.src.Head(), Source: d.src.Name}
	}
	if !d.src.Has(v) {
		return fmt.Errorf("migrate to version %s: migrations %s have no such version", v, d.src.Name)
	}
	for _, st := range d.src.Steps(cur, v) {
		if err := d.Run(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// Force sets the version and clears the dirty flag without running
// anything, like golang-migrate's force. The version need not be in the
// source.
func (d *DB) Force(ctx context.Context, v source.Version) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.ensure(ctx); err != nil {
		return err
	}
	err := d.guard(ctx, func() error { return d.m.Force(int(v.Int())) })
	if err != nil {
		return fmt.Errorf("force version %s: %w", v, d.migrateErr(ctx, err))
	}
	return nil
}

func label(s source.Step) string {
	if s.File != "" {
		return s.File
	}
	return fmt.Sprintf("version %d (%s, no file)", s.Version, s.Direction)
}

// stepErr turns golang-migrate's error for step s into a *source.FileError.
func (d *DB) stepErr(ctx context.Context, s source.Step, err error) error {
	err = d.migrateErr(ctx, err)
	if errors.Is(err, ErrDirty) || errors.Is(err, ErrLockTimeout) {
		return err
	}
	me := &source.FileError{Step: s, Err: err}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Position > 0 && s.File != "" {
		if body, rerr := d.src.Read(s.File); rerr == nil {
			me.Line, me.Column, _ = sqltext.Position(string(body), int(pgErr.Position))
		}
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
	case errors.As(err, &dbErr) && lockFailed(dbErr), errors.As(err, &dbErrP) && lockFailed(*dbErrP):
		// The driver's pg_advisory_lock ended on the session's lock_timeout
		// (or was cancelled): another process holds golang-migrate's lock,
		// and nothing ran.
		return ErrLockTimeout
	case errors.As(err, &dbErr):
		return scrub(dbErr.OrigErr, d.cfg)
	case errors.As(err, &dbErrP):
		return scrub(dbErrP.OrigErr, d.cfg)
	case errors.As(err, &dirty):
		return &dirtyError{version: source.FromInt(int64(dirty.Version))}
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

// lockFailed tells whether a driver error is the failure of its
// pg_advisory_lock on lock_timeout.
func lockFailed(e database.Error) bool {
	var pgErr *pgconn.PgError
	return strings.HasPrefix(strings.TrimSpace(string(e.Query)), "SELECT pg_advisory_lock(") &&
		errors.As(e.OrigErr, &pgErr) && pgErr.Code == pgerrcode.LockNotAvailable
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
		if d.opts.pooled {
			drv, err = newPooledDriver(ctx, d)
			return err
		}
		drv, err = pgxmigrate.WithInstance(d.sqlDB, &pgxmigrate.Config{
			MigrationsTable:       d.table.String(),
			MigrationsTableQuoted: true,
			SchemaName:            d.table.Schema,
			// The migrate CLI names the database by its URL path: use the
			// same name so both take the same advisory lock.
			DatabaseName:     "/" + d.dbName,
			StatementTimeout: d.opts.statementTimeout,
		})
		if err == nil {
			drv = versionDriver{Driver: drv, db: d.sqlDB, table: d.table.String()}
		}
		if err == nil && len(d.opts.fileSettings) > 0 {
			drv = fileSettingsDriver{Driver: drv, settings: d.opts.fileSettings}
		}
		return err
	})
	if err != nil {
		return errors.Join(fmt.Errorf("prepare version table %s: %w", d.table, d.migrateErr(ctx, err)), srcDrv.Close())
	}
	m, err := migrate.NewWithInstance("iofs", srcDrv, "pgx5", drv)
	if err != nil {
		return errors.Join(fmt.Errorf("open golang-migrate: %w", err), srcDrv.Close(), drv.Close())
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
