package guard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/source"
)

// History: guard's own table beside the version table, one row per
// migration file guard ran (and per forced version). It never changes the
// version table's shape, and a version applied by plain golang-migrate
// simply has no row. Rows of several version tables in one schema are told
// apart by migrations_table.
const historyDDL = `CREATE TABLE IF NOT EXISTS %s (
	id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	migrations_table text NOT NULL,
	version          bigint NOT NULL,
	name             text NOT NULL,
	direction        text NOT NULL CHECK (direction IN ('up', 'down', 'force')),
	sha256           text NOT NULL,
	applied_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
	duration_ms      double precision NOT NULL DEFAULT 0,
	applied_by       text NOT NULL DEFAULT current_user,
	client_host      text NOT NULL DEFAULT '',
	client_pid       integer NOT NULL DEFAULT 0,
	recovered        boolean NOT NULL DEFAULT false
)`

// recoveredDDL adds the recovered column to a history table made before it.
const recoveredDDL = `ALTER TABLE %s ADD COLUMN IF NOT EXISTS recovered boolean NOT NULL DEFAULT false`

func (s *session) historyTable() string {
	return pgx.Identifier{s.table.Schema, HistoryTable}.Sanitize()
}

// ensureHistory creates the history table if it is missing.
func (s *session) ensureHistory(ctx context.Context) error {
	var exists bool
	if err := s.conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, s.historyTable()).Scan(&exists); err != nil {
		return fmt.Errorf("look for %s: %w", s.historyTable(), err)
	}
	if exists {
		return nil
	}
	if _, err := s.conn.Exec(ctx, fmt.Sprintf(historyDDL, s.historyTable())); err != nil {
		return fmt.Errorf("create guard's history table %s: %w", s.historyTable(), err)
	}
	return nil
}

// record adds the history row of a migration file run.
func (s *session) record(ctx context.Context, version uint64, name, direction, sum string, took time.Duration) error {
	return s.recordVersion(ctx, source.V(version), name, direction, sum, took)
}

// recordVersion adds a history row; None is stored as -1, as golang-migrate
// stores it. When the session's connection is gone (a connection killer, a
// network cut), the row is written on a new one: the file is applied.
func (s *session) recordVersion(ctx context.Context, version source.Version, name, direction, sum string, took time.Duration) error {
	host, _ := os.Hostname()
	insert := func() error {
		_, err := s.conn.Exec(ctx, `INSERT INTO `+s.historyTable()+
			` (migrations_table, version, name, direction, sha256, duration_ms, client_host, client_pid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			s.r.c.table.Key(), version.Int(), name, direction, sum, float64(took.Microseconds())/1000, host, os.Getpid())
		return err
	}
	err := insert()
	if err != nil && s.conn.IsClosed() {
		if rerr := s.reconnect(ctx); rerr != nil {
			err = errors.Join(err, rerr)
		} else {
			err = insert()
		}
	}
	if err != nil {
		return fmt.Errorf("record %s %s of version %s in %s: %w", direction, name, version, s.historyTable(), err)
	}
	s.usedAt = time.Now()
	return nil
}

// recoverHistory writes the history rows guard lost: the versions applied
// after the one guard last recorded (its last row, up or down or force),
// up to version, the database's clean version. Guard lost them when it
// ended between a file and its row (kill -9), or when both its session and
// a new connection failed after a file; plain golang-migrate applying files
// after guard leaves the same trace. Each is written with the up file's
// current checksum and recovered = true. A database where guard never
// recorded anything is left alone: what plain golang-migrate applied before
// guard is not guard's history. It returns the files recovered.
func (s *session) recoverHistory(ctx context.Context, version source.Version) ([]string, error) {
	if _, ok := version.Get(); !ok {
		return nil, nil
	}
	var exists bool
	if err := s.conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, s.historyTable()).Scan(&exists); err != nil || !exists {
		return nil, err
	}
	var last int64
	var direction string
	err := s.conn.QueryRow(ctx, `SELECT version, direction FROM `+s.historyTable()+` WHERE migrations_table = $1 ORDER BY id DESC LIMIT 1`,
		s.r.c.table.Key()).Scan(&last, &direction)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.historyTable(), err)
	}
	seen := source.FromInt(last) // the version guard left the database at
	if direction == string(Down) {
		seen = s.src.Prev(seen)
	}
	missing := s.src.Upto(seen, version)
	if len(missing) == 0 {
		return nil, nil
	}
	if _, err := s.conn.Exec(ctx, fmt.Sprintf(recoveredDDL, s.historyTable())); err != nil {
		return nil, fmt.Errorf("add the recovered column to %s: %w", s.historyTable(), err)
	}
	host, _ := os.Hostname()
	var out []string
	for _, m := range missing {
		sum, err := fileSum(s.src, m.Up)
		if err != nil {
			return out, err
		}
		_, err = s.conn.Exec(ctx, `INSERT INTO `+s.historyTable()+
			` (migrations_table, version, name, direction, sha256, client_host, client_pid, recovered) VALUES ($1, $2, $3, 'up', $4, $5, $6, true)`,
			s.r.c.table.Key(), int64(m.Version), m.Name, sum, host, os.Getpid())
		if err != nil {
			return out, fmt.Errorf("record recovered version %d in %s: %w", m.Version, s.historyTable(), err)
		}
		out = append(out, m.Up)
	}
	return out, nil
}

// recorded returns the SHA-256 each applied version (up to version) had
// when guard last applied it. Versions guard never applied have none.
func (s *session) recorded(ctx context.Context, upto uint64) (map[uint64]string, error) {
	out := map[uint64]string{}
	var exists bool
	if err := s.conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, s.historyTable()).Scan(&exists); err != nil || !exists {
		return out, err
	}
	rows, err := s.conn.Query(ctx, `SELECT DISTINCT ON (version) version, sha256 FROM `+s.historyTable()+`
		WHERE migrations_table = $1 AND direction = 'up' AND version <= $2
		ORDER BY version, id DESC`, s.r.c.table.Key(), int64(upto))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.historyTable(), err)
	}
	var v int64
	var sum string
	_, err = pgx.ForEachRow(rows, []any{&v, &sum}, func() error {
		out[uint64(v)] = sum
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.historyTable(), err)
	}
	return out, nil
}

// last returns the newest history row, or nil.
func (s *session) last(ctx context.Context) (*HistoryEntry, error) {
	var exists bool
	if err := s.conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, s.historyTable()).Scan(&exists); err != nil || !exists {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, `SELECT version, name, direction, sha256, applied_at, duration_ms, applied_by, client_host, client_pid
		FROM `+s.historyTable()+` WHERE migrations_table = $1 ORDER BY id DESC LIMIT 1`, s.r.c.table.Key())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.historyTable(), err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (HistoryEntry, error) {
		var e HistoryEntry
		var v int64
		err := r.Scan(&v, &e.Name, &e.Direction, &e.SHA256, &e.AppliedAt, &e.DurationMS, &e.AppliedBy, &e.ClientHost, &e.ClientPID)
		e.Version = source.FromInt(v)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.historyTable(), err)
	}
	if len(got) == 0 {
		return nil, nil
	}
	return &got[0], nil
}

// edited compares the up files of the applied versions (up to version) with
// what guard recorded when it applied them.
func (s *session) edited(ctx context.Context, version source.Version) ([]EditedFile, error) {
	upto, ok := version.Get()
	if !ok {
		return nil, nil
	}
	rec, err := s.recorded(ctx, upto)
	if err != nil {
		return nil, err
	}
	var out []EditedFile
	for _, m := range s.src.Migrations {
		want, ok := rec[m.Version]
		if !ok || m.Version > upto {
			continue
		}
		got, err := fileSum(s.src, m.Up)
		if err != nil {
			return nil, err
		}
		if got != want {
			out = append(out, EditedFile{Version: m.Version, File: m.Up, Recorded: want, Current: got})
		}
	}
	return out, nil
}

// fileSum returns the hex SHA-256 of a file of src ("" for no file).
func fileSum(src *source.Source, file string) (string, error) {
	if file == "" {
		return "", nil
	}
	b, err := src.Read(file)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// refuseEdited fails with *EditedError when an applied up file (up to
// version) changed since guard applied it, unless WithAllowEdited: Up and
// Plan refuse alike.
func (r *Runner) refuseEdited(ctx context.Context, s *session, version source.Version) error {
	if r.c.allowEdited {
		return nil
	}
	edited, err := s.edited(ctx, version)
	if err != nil {
		return err
	}
	if len(edited) > 0 {
		return &EditedError{Files: edited}
	}
	return nil
}
