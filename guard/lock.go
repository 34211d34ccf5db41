package guard

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/internal/migrator"
)

// lockKey is guard's advisory lock key for a version table: distinct from
// golang-migrate's own, positive, so that pg_locks shows it as classid (high
// 32 bits) and objid (low 32 bits) with objsubid 1.
func lockKey(dbName, schemaName, table string) int64 {
	sum := sha256.Sum256([]byte("guard migrate lock\x00" + dbName + "\x00" + schemaName + "\x00" + table))
	return int64(binary.BigEndian.Uint64(sum[:8]) & 0x7fff_ffff_ffff_ffff)
}

// lock takes guard's lock, polling pg_try_advisory_lock: a waiting guard
// never queues in pg_locks. It gives up after the lock wait with a
// *LockWaitError naming the holder.
func (s *session) lock(ctx context.Context) error {
	start := time.Now()
	deadline := start.Add(s.r.c.lockWait)
	interval := 25 * time.Millisecond
	waited := false
	for {
		var ok bool
		if err := s.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, once, s.key).Scan(&ok); err != nil {
			return fmt.Errorf("take guard's migration lock: %w", err)
		}
		if ok {
			s.locked = true
			if waited {
				s.r.emit(Event{Kind: EventLocked, Duration: time.Since(start)})
			}
			return nil
		}
		if !waited {
			waited = true
			holder, err := s.holder(ctx, s.key, "guard")
			if err != nil {
				return err
			}
			s.r.log.Info("waiting for guard's migration lock", "holder_pid", pidOf(holder))
			s.r.emit(Event{Kind: EventLockWait, Holder: holder})
		}
		left := time.Until(deadline)
		if left <= 0 {
			holder, err := s.holder(ctx, s.key, "guard")
			if err != nil {
				return err
			}
			return &LockWaitError{Waited: time.Since(start), Holder: holder}
		}
		// Jitter spreads the polls of many waiting replicas.
		wait := min(interval/2+rand.N(interval), left)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for guard's migration lock: %w", context.Cause(ctx))
		case <-t.C:
		}
		interval = min(interval*2, time.Second)
	}
}

func pidOf(h *LockHolder) int {
	if h == nil {
		return 0
	}
	return h.PID
}

// holder returns the session holding the advisory lock key, or nil.
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
		Since           time.Time
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[row])
	if err != nil {
		return nil, fmt.Errorf("find the holder of %s's migration lock: %w", which, err)
	}
	if len(got) == 0 {
		return nil, nil
	}
	h := got[0]
	return &LockHolder{PID: h.PID, ApplicationName: h.ApplicationName, User: h.User, ClientAddr: h.ClientAddr, Since: h.Since, Lock: which}, nil
}

// running returns the session migrating the database right now, or nil:
// the holder of golang-migrate's lock (held while a file runs, by guard or
// plain golang-migrate), or, on a dirty database, of guard's (held from plan
// to the last file; a guard merely planning leaves the version clean).
func (s *session) running(ctx context.Context, dirty bool) (*LockHolder, error) {
	id, err := migrator.LockID(s.dbName, s.table)
	if err != nil {
		return nil, errors.Join(errors.New("compute golang-migrate's lock key"), err)
	}
	h, err := s.holder(ctx, id, "golang-migrate")
	if err != nil || h != nil || !dirty {
		return h, err
	}
	return s.holder(ctx, s.key, "guard")
}
