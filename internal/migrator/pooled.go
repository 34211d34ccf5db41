package migrator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/internal/sqltext"
)

// WithTransactionPooler says that the DB reaches its server through a
// transaction pooler (PgBouncer in transaction mode), which hands each
// transaction to any of its server sessions: nothing lives in a session.
// The DB then runs golang-migrate with a driver of its own that differs
// from golang-migrate's pgx/v5 driver in three ways only:
//
//   - it takes no session advisory lock (it would stay with whichever
//     server session ran the statement, for the next client to find): the
//     caller must hold a lock that excludes every other migrator, as guard's
//     transaction-scoped lock does;
//   - settings (lock_timeout, …; a config's RuntimeParams never reach the
//     server) are made with SET LOCAL at the start of each file's
//     transaction, and again after each statement of the file that ends a
//     transaction;
//   - a file holding a statement that must run outside a transaction
//     (CREATE INDEX CONCURRENTLY), which no setting can reach, is cancelled
//     when it has waited for a lock for longer than lockWait (0: never),
//     as lock_timeout would.
//
// The version table and what is written to it are golang-migrate's.
func WithTransactionPooler(settings map[string]string, lockWait time.Duration) Option {
	return func(o *options) error {
		for k := range settings {
			if k == "" || strings.ContainsFunc(k, func(r rune) bool { return !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
				return fmt.Errorf("bad setting name %q", k)
			}
		}
		if lockWait < 0 {
			return fmt.Errorf("negative lock wait %v", lockWait)
		}
		o.pooled = true
		o.settings = maps.Clone(settings)
		o.outsideLockWait = lockWait
		return nil
	}
}

// pooledDriver is the golang-migrate database driver of a DB behind a
// transaction pooler (see WithTransactionPooler).
type pooledDriver struct {
	d    *DB
	conn *sql.Conn
}

var _ database.Driver = (*pooledDriver)(nil)

// newPooledDriver opens the driver and creates the version table as
// golang-migrate's pgx/v5 driver does, without its lock.
func newPooledDriver(ctx context.Context, d *DB) (*pooledDriver, error) {
	conn, err := d.sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	p := &pooledDriver{d: d, conn: conn}
	var exists bool
	q := `SELECT EXISTS (SELECT FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2)`
	if err := conn.QueryRowContext(ctx, q, d.table.Schema, d.table.Name).Scan(&exists); err != nil {
		return nil, errors.Join(&database.Error{OrigErr: err, Query: []byte(q)}, conn.Close())
	}
	if !exists {
		q = `CREATE TABLE IF NOT EXISTS ` + d.table.String() + ` (version bigint not null primary key, dirty boolean not null)`
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, errors.Join(&database.Error{OrigErr: err, Query: []byte(q)}, conn.Close())
		}
	}
	return p, nil
}

func (p *pooledDriver) Open(string) (database.Driver, error) {
	return nil, errors.New("the pooled driver is opened by migrator.OpenDB only")
}

// Close closes the driver's connection and the DB's pool, as
// golang-migrate's driver does.
func (p *pooledDriver) Close() error { return errors.Join(p.conn.Close(), p.d.sqlDB.Close()) }

// Lock does nothing: the caller holds a lock of its own (see
// WithTransactionPooler).
func (p *pooledDriver) Lock() error { return nil }

// Unlock does nothing (see Lock).
func (p *pooledDriver) Unlock() error { return nil }

// Run runs one migration file as golang-migrate's driver does (the whole
// file in one simple query), with the DB's settings (see
// WithTransactionPooler).
func (p *pooledDriver) Run(migration io.Reader) error {
	body, err := io.ReadAll(migration)
	if err != nil {
		return err
	}
	text := string(body)
	if strings.TrimSpace(text) == "" {
		return nil
	}
	ctx := context.Background()
	if t := p.d.opts.statementTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	sent, inserted := text, []insertion(nil)
	outside := mustRunOutside(text)
	if !outside {
		settings := p.d.opts.settings
		if len(p.d.opts.fileSettings) > 0 {
			settings = maps.Clone(settings)
			if settings == nil {
				settings = map[string]string{}
			}
			maps.Copy(settings, p.d.opts.fileSettings)
		}
		sent, inserted = withSettings(text, settings)
	}
	var stop func() bool
	if outside && p.d.opts.outsideLockWait > 0 {
		stop = p.d.cancelLockWaits(p.d.opts.outsideLockWait)
	}
	_, err = p.conn.ExecContext(ctx, sent)
	if stop != nil && stop() && err != nil {
		err = &pgconn.PgError{Severity: "ERROR", Code: pgerrcode.LockNotAvailable,
			Message: fmt.Sprintf("canceling statement due to lock timeout (it waited for a lock for longer than %v)", p.d.opts.outsideLockWait)}
	}
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && len(inserted) > 0 {
		e := *pgErr
		e.Position = int32(originalPosition(int(e.Position), inserted))
		err = &e
	}
	return database.Error{OrigErr: err, Err: "migration failed", Query: body}
}

// mustRunOutside reports whether a file holds a statement that must run
// outside a transaction block (sqltext.NoTransaction).
func mustRunOutside(text string) bool {
	for _, st := range sqltext.Statements(text) {
		if _, ok := sqltext.NoTransaction(st); ok {
			return true
		}
	}
	return false
}

// insertion is text inserted into a file: at its character offset at in
// the file, n characters long.
type insertion struct{ at, n int }

// withSettings returns text with SET LOCAL of each setting before its
// first statement and after each statement that ends a transaction
// (COMMIT, ROLLBACK, …), where more follow; and where it inserted them.
func withSettings(text string, settings map[string]string) (string, []insertion) {
	if len(settings) == 0 {
		return text, nil
	}
	var set strings.Builder
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		fmt.Fprintf(&set, "SET LOCAL %s = '%s'; ", k, strings.ReplaceAll(settings[k], "'", "''"))
	}
	prefix := set.String()
	stmts := sqltext.Split(text)
	at := []int{0}
	for i, st := range stmts[:max(len(stmts)-1, 0)] {
		if endsTransaction(st.Text) {
			at = append(at, stmts[i+1].Offset)
		}
	}
	var out strings.Builder
	var inserted []insertion
	last := 0
	for _, off := range at {
		out.WriteString(text[last:off])
		inserted = append(inserted, insertion{at: utf8.RuneCountInString(text[:off]), n: utf8.RuneCountInString(prefix)})
		out.WriteString(prefix)
		last = off
	}
	out.WriteString(text[last:])
	return out.String(), inserted
}

// endsTransaction reports whether stmt ends a transaction block.
func endsTransaction(stmt string) bool {
	w := strings.Fields(strings.ToLower(sqltext.Mask(stmt)))
	if len(w) == 0 {
		return false
	}
	switch strings.TrimSuffix(w[0], ";") {
	case "commit", "end", "abort":
		return true
	case "rollback":
		return len(w) < 2 || (w[1] != "to" && w[1] != "prepared")
	case "prepare":
		return len(w) > 1 && w[1] == "transaction"
	}
	return false
}

// originalPosition maps PostgreSQL's error position (1-based, in
// characters) in the text sent back to the file's; 0 when it falls in
// inserted text, or is 0.
func originalPosition(pos int, inserted []insertion) int {
	if pos <= 0 {
		return 0
	}
	shift := 0
	for _, ins := range inserted {
		start := ins.at + shift // where the insertion begins in the text sent, 0-based
		if pos-1 < start {
			break
		}
		if pos-1 < start+ins.n {
			return 0
		}
		shift += ins.n
	}
	return pos - shift
}

// SetVersion writes the version table as golang-migrate's driver does
// (with DELETE: see versionDriver).
func (p *pooledDriver) SetVersion(version int, dirty bool) error {
	return writeVersion(context.Background(), p.conn.ExecContext, p.d.table.String(), version, dirty)
}

// Version reads the version table as golang-migrate's driver does.
func (p *pooledDriver) Version() (int, bool, error) {
	var version int
	var dirty bool
	q := `SELECT version, dirty FROM ` + p.d.table.String() + ` LIMIT 1`
	err := p.conn.QueryRowContext(context.Background(), q).Scan(&version, &dirty)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return database.NilVersion, false, nil
	case err != nil:
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UndefinedTable {
			return database.NilVersion, false, nil
		}
		return 0, false, &database.Error{OrigErr: err, Query: []byte(q)}
	}
	return version, dirty, nil
}

// Drop is not supported: guard never drops a database's tables.
func (p *pooledDriver) Drop() error { return errors.New("drop is not supported") }

// cancelLockWaits watches, until the returned stop is called, the DB's
// sessions that run a statement: one that waits for a lock for longer than
// wait (seen waiting at every poll since) is cancelled. stop tells whether
// it cancelled one.
func (d *DB) cancelLockWaits(wait time.Duration) (stop func() bool) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool, 1)
	go func() {
		canceled := false
		defer func() { done <- canceled }()
		conn, err := d.cancelConn(ctx)
		if err != nil {
			d.opts.logger.Warn("cannot watch the lock waits of a migration", "err", err)
			return
		}
		defer conn.Close(context.WithoutCancel(ctx))
		poll := min(max(wait/20, 10*time.Millisecond), time.Second)
		var since time.Time // when the statement was first seen waiting
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var waiting []int32
			err := conn.QueryRow(ctx, `SELECT coalesce(array_agg(pid), '{}') FROM pg_stat_activity
				WHERE application_name = $1 AND state = 'active' AND wait_event_type = 'Lock'`, d.appName).Scan(&waiting)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				d.opts.logger.Warn("cannot watch the lock waits of a migration", "err", err)
				return
			case len(waiting) == 0:
				since = time.Time{}
				continue
			case since.IsZero():
				since = time.Now()
			}
			if time.Since(since) < wait {
				continue
			}
			// The file's statement may end (cancelled) and stop be called
			// before this returns: it must still say it cancelled.
			if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) pid`, waiting); err != nil {
				d.opts.logger.Warn("cannot cancel a migration's lock wait", "err", err)
				return
			}
			canceled = true
			return
		}
	}()
	return func() bool {
		cancel()
		return <-done
	}
}
