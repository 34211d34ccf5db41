package guard

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/internal/migrator"
)

// The locks a LockHolder or a LockWaitError names.
const (
	lockGuard         = "guard"
	lockGolangMigrate = "golang-migrate"
)

// lockKey is guard's advisory lock key for a version table: distinct from
// golang-migrate's own, positive, so that pg_locks shows it as classid (high
// 32 bits) and objid (low 32 bits) with objsubid 1.
func lockKey(dbName, schemaName, table string) int64 {
	sum := sha256.Sum256([]byte("guard migrate lock\x00" + dbName + "\x00" + schemaName + "\x00" + table))
	return int64(binary.BigEndian.Uint64(sum[:8]) & 0x7fff_ffff_ffff_ffff)
}

// Keep-alive of the lock session: a ping at least this often, and more
// often when the session's idle_session_timeout is short (a third of it).
const (
	keepAliveMax = 10 * time.Second
	keepAliveMin = 20 * time.Millisecond
	checkTimeout = 10 * time.Second // a ping or check that takes longer ends the session
)

// lockSession is the connection holding guard's advisory lock, used for
// nothing else: while the lock is held a keeper pings it, so that no idle
// timeout ends it, and notes when it is gone. Its methods are safe for
// concurrent use: mu serialises the use of conn.
type lockSession struct {
	mu       sync.Mutex
	conn     *pgx.Conn
	key      int64
	xact     bool          // a transaction-scoped lock, held by an open transaction (behind a pooler)
	interval time.Duration // of the keep-alive pings when the lock was taken
	lost     error         // why the lock is taken to be lost, once it is
	heldAt   time.Time     // when a check last found it held
	stop     chan struct{} // closed to stop the keeper
	done     chan struct{} // closed when the keeper has stopped
}

// keepAlive returns the interval of the keep-alive pings for a server
// whose idle_session_timeout is idle (0: none).
func keepAlive(idle time.Duration) time.Duration {
	if idle <= 0 {
		return keepAliveMax
	}
	return max(min(idle/3, keepAliveMax), keepAliveMin)
}

// lock takes guard's lock on conn, a connection of its own, polling
// pg_try_advisory_lock: a waiting guard never queues in pg_locks. It gives
// up after the lock wait with a *LockWaitError naming the holder. Once it
// holds the lock, a keeper pings the lock session until close.
//
// Behind a transaction pooler a session lock would stay with whichever
// server session ran the statement, handed to other clients next: the lock
// is pg_try_advisory_xact_lock instead, in a transaction that stays open
// (and so keeps its server session) until release. A transaction that did
// not get the lock is rolled back before the next poll.
func (s *session) lock(ctx context.Context, conn *pgx.Conn) error {
	l := &lockSession{conn: conn, key: s.key, xact: s.pooled, stop: make(chan struct{}), done: make(chan struct{})}
	idle, err := l.idleTimeout(ctx)
	if err != nil {
		return errors.Join(fmt.Errorf("read %s: %w", l.idleSetting(), s.r.scrub(err)), conn.Close(ctx))
	}
	l.interval = keepAlive(idle)
	err = s.await(ctx, lockGuard, s.key, time.Now(), l.interval, func(ctx context.Context) (bool, error) {
		ok, err := l.try(ctx)
		if err != nil {
			return false, fmt.Errorf("take guard's migration lock: %w", err)
		}
		return ok, nil
	})
	if err != nil {
		return errors.Join(err, conn.Close(ctx))
	}
	s.lk = l
	go l.keep(s.r)
	return nil
}

// await polls try until it succeeds, until the lock wait from start has
// passed: the first time it fails, the holder of the lock key is named in the log and an
// EventLockWait; when the wait ends, a *LockWaitError names it. The polls
// back off from 25 ms to at most a second (or most, for guard's lock, so
// that the idle lock session outlives an idle_session_timeout).
func (s *session) await(ctx context.Context, which string, key int64, start time.Time, most time.Duration, try func(context.Context) (bool, error)) error {
	deadline := start.Add(s.r.c.lockWait)
	interval := min(25*time.Millisecond, most)
	waited := false
	for {
		ok, err := try(ctx)
		if err != nil {
			return err
		}
		if ok {
			if waited && which == lockGuard {
				s.r.emit(Event{Kind: EventLocked, Duration: time.Since(start)})
			}
			return nil
		}
		if !waited {
			waited = true
			holder, err := s.holder(ctx, key, which)
			if err != nil {
				return err
			}
			s.r.log.Info("waiting for "+which+"'s migration lock", "holder_pid", pidOf(holder))
			s.r.emit(Event{Kind: EventLockWait, Lock: which, Holder: holder})
		}
		left := time.Until(deadline)
		if left <= 0 {
			holder, err := s.holder(ctx, key, which)
			if err != nil {
				return err
			}
			return &LockWaitError{Lock: which, Waited: time.Since(start), Holder: holder}
		}
		// Jitter spreads the polls of many waiting replicas.
		wait := min(interval/2+rand.N(interval), left)
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("wait for %s's migration lock: %w", which, err)
		}
		interval = min(interval*2, time.Second, most)
	}
}

// awaitGolangMigrate waits, until the lock wait from start has passed,
// until no other session holds golang-migrate's lock of the version table
// (a plain migrate process), so that a file is not started only to queue
// behind it.
func (s *session) awaitGolangMigrate(ctx context.Context, start time.Time) error {
	id, err := migrator.LockID(s.dbName, s.table)
	if err != nil {
		return errors.Join(errors.New("compute golang-migrate's lock key"), err)
	}
	return s.await(ctx, lockGolangMigrate, id, start, time.Second, func(ctx context.Context) (bool, error) {
		held, err := s.heldElsewhere(ctx, id)
		return !held, err
	})
}

// heldElsewhere reports whether another session holds the advisory lock
// key: pg_locks alone, without the holder's pg_stat_activity row (which
// costs more than the check, before every file).
func (s *session) heldElsewhere(ctx context.Context, key int64) (bool, error) {
	classid, objid := uint64(key)>>32, uint64(key)&0xffff_ffff
	var held bool
	err := s.conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 1)`, int64(classid), int64(objid)).Scan(&held)
	if err != nil {
		return false, fmt.Errorf("check golang-migrate's migration lock: %w", err)
	}
	return held, nil
}

// golangMigrateHolder returns the session holding golang-migrate's lock,
// or nil.
func (s *session) golangMigrateHolder(ctx context.Context) (*LockHolder, error) {
	id, err := migrator.LockID(s.dbName, s.table)
	if err != nil {
		return nil, errors.Join(errors.New("compute golang-migrate's lock key"), err)
	}
	return s.holder(ctx, id, lockGolangMigrate)
}

// try takes the lock if no other session holds it, and tells whether it
// did.
func (l *lockSession) try(ctx context.Context) (bool, error) {
	var ok bool
	if !l.xact {
		err := l.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, once, l.key).Scan(&ok)
		return ok, err
	}
	if _, err := l.conn.Exec(ctx, `BEGIN`, once); err != nil {
		return false, err
	}
	if err := l.conn.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, once, l.key).Scan(&ok); err != nil || !ok {
		_, rerr := l.conn.Exec(ctx, `ROLLBACK`, once)
		return false, errors.Join(err, rerr)
	}
	return true, nil
}

// idleSetting is the server setting that ends the lock session when it
// idles: idle_in_transaction_session_timeout for a lock held by an open
// transaction.
func (l *lockSession) idleSetting() string {
	if l.xact {
		return "idle_in_transaction_session_timeout"
	}
	return "idle_session_timeout"
}

// idleTimeout reads the session's idleSetting (0: none).
func (l *lockSession) idleTimeout(ctx context.Context) (time.Duration, error) {
	// current_setting, not pg_settings: the view lists every setting, a
	// millisecond and a half of the server's time per ping.
	var v string
	if err := l.conn.QueryRow(ctx, `SELECT current_setting($1, true)`, once, l.idleSetting()).Scan(&v); err != nil {
		return 0, err
	}
	return parseTimeSetting(v)
}

// parseTimeSetting reads a time setting as SHOW prints it: a whole number
// with a unit (us, ms, s, min, h, d), milliseconds without one; "" (not a
// setting of this server) is 0.
func parseTimeSetting(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("time setting %q: %w", v, err)
	}
	unit := map[string]time.Duration{"": time.Millisecond, "us": time.Microsecond, "ms": time.Millisecond,
		"s": time.Second, "min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := unit[strings.TrimSpace(v[i:])]
	if !ok {
		return 0, fmt.Errorf("time setting %q: unknown unit", v)
	}
	return time.Duration(n) * u, nil
}

// keep pings the lock session until stop is closed or the session is lost.
// Each ping reads idle_session_timeout again: a configuration reload may
// shorten it while guard runs.
func (l *lockSession) keep(r *Runner) {
	defer close(l.done)
	t := time.NewTimer(l.interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		idle, err := l.ping()
		if err != nil {
			r.log.Warn("guard's lock session is lost", "err", err)
			return
		}
		t.Reset(keepAlive(idle))
	}
}

func (l *lockSession) ping() (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return 0, l.lost
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	idle, err := l.idleTimeout(ctx)
	if err != nil {
		l.lost = fmt.Errorf("its session ended: %w", err)
	}
	return idle, l.lost
}

// check verifies that the lock session is alive and still holds guard's
// lock (pg_locks of its own backend); once it failed, it keeps failing.
// ctx ending does not make the lock lost: the check runs regardless,
// bounded by checkTimeout.
func (l *lockSession) check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	if time.Since(l.heldAt) < recheckAfter {
		return nil // checked a moment ago, between the same two files
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkTimeout)
	defer cancel()
	classid, objid := uint64(l.key)>>32, uint64(l.key)&0xffff_ffff
	var held bool
	err := l.conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
		  AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1)`, once, int64(classid), int64(objid)).Scan(&held)
	switch {
	case err != nil:
		l.lost = fmt.Errorf("its session ended: %w", err)
	case !held:
		l.lost = errors.New("its session no longer holds it")
	default:
		l.heldAt = time.Now()
	}
	return l.lost
}

// recheckAfter is how long a check that found guard's lock held stands:
// the checks after a file and before the next, a few milliseconds apart,
// ask the server once.
const recheckAfter = 20 * time.Millisecond

// release stops the keeper, releases the lock (a transaction-scoped one
// by ending its transaction) and closes the lock session.
func (l *lockSession) release(ctx context.Context) error {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	if !l.conn.IsClosed() {
		var err error
		if l.xact {
			_, err = l.conn.Exec(ctx, `ROLLBACK`, once)
		} else {
			_, err = l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, once, l.key)
		}
		if err != nil && l.lost == nil {
			errs = append(errs, fmt.Errorf("release guard's lock: %w", err))
		}
	}
	return errors.Join(append(errs, l.conn.Close(ctx))...)
}

// held returns nil while guard's session holds guard's lock, and why not
// otherwise (a session opened without the lock holds nothing: nil).
func (s *session) held(ctx context.Context) error {
	if s.lk == nil {
		return nil
	}
	return s.lk.check(ctx)
}

func pidOf(h *LockHolder) int {
	if h == nil {
		return 0
	}
	return h.PID
}

// holder returns the session holding the advisory lock key, or nil. What
// pg_stat_activity hides from a role without pg_read_all_stats about
// another role's session (its client address and start) is left unknown.
func (s *session) holder(ctx context.Context, key int64, which string) (*LockHolder, error) {
	classid, objid := uint64(key)>>32, uint64(key)&0xffff_ffff
	rows, err := s.conn.Query(ctx, `
		SELECT a.pid, coalesce(a.application_name, '') AS application_name, coalesce(a.usename::text, '') AS user,
		       coalesce(host(a.client_addr), '') AS client_addr, a.backend_start AS since
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 1
		LIMIT 1`, int64(classid), int64(objid))
	if err != nil {
		return nil, fmt.Errorf("find the holder of %s's migration lock: %w", which, err)
	}
	type row struct {
		PID             int
		ApplicationName string
		User            string
		ClientAddr      string
		Since           *time.Time
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[row])
	if err != nil {
		return nil, fmt.Errorf("find the holder of %s's migration lock: %w", which, err)
	}
	if len(got) == 0 {
		return nil, nil
	}
	h := got[0]
	out := &LockHolder{PID: h.PID, ApplicationName: redactPass(h.ApplicationName), User: h.User, ClientAddr: h.ClientAddr, Lock: which}
	if h.Since != nil {
		out.Since = *h.Since
	}
	return out, nil
}

// running returns the session migrating the database right now, or nil:
// the holder of golang-migrate's lock (held while a file runs, by guard or
// plain golang-migrate), or, on a dirty database, of guard's (held from plan
// to the last file; a guard merely planning leaves the version clean).
func (s *session) running(ctx context.Context, dirty bool) (*LockHolder, error) {
	h, err := s.golangMigrateHolder(ctx)
	if err != nil || h != nil || !dirty {
		return h, err
	}
	return s.holder(ctx, s.key, lockGuard)
}

// redactPass hides the token of contract enforcement's pass that a
// session of guard migrate behind a transaction pooler carries in its
// application_name (enforce.Pass.ApplicationName): never printed.
func redactPass(appName string) string {
	if strings.HasPrefix(appName, "guard-pass-") {
		return "guard-pass-…"
	}
	return appName
}
