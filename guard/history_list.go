package guard

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/source"
)

// VersionState is the database's version, as golang-migrate's `migrate
// version` reads it.
type VersionState struct {
	Database string         `json:"database"` // user@host:port/db, no password
	Version  source.Version `json:"version"`  // None (null) when no migration is applied
	Dirty    bool           `json:"dirty"`
}

// Version reads the version table, and nothing else: it takes no lock,
// builds no shadow and creates nothing (a missing version table is version
// None). It fails when the database cannot be reached or read.
func (r *Runner) Version(ctx context.Context) (_ *VersionState, err error) {
	s, err := r.open(ctx, false)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.close(ctx)) }()
	st, err := s.state(ctx)
	if err != nil {
		return nil, err
	}
	return &VersionState{Database: r.describe(), Version: st.version, Dirty: st.dirty}, nil
}

// HistoryRecord is a row of guard's history table as History lists it.
type HistoryRecord struct {
	HistoryEntry
	// Recovered: the row was written after the fact, for a file applied
	// while guard could not record it (see Up), with the file's checksum
	// as it was then.
	Recovered bool `json:"recovered"`
}

// History is what guard recorded of the migrations it ran on a database.
type History struct {
	Database string `json:"database"` // user@host:port/db, no password
	// Table is the history table, as an SQL identifier; Entries are the
	// rows of the version table MigrationsTable only.
	Table           string          `json:"table"`
	MigrationsTable string          `json:"migrations_table"`
	Entries         []HistoryRecord `json:"entries"` // oldest first; empty when guard never ran here
}

// History lists guard's history table (HistoryTable, beside the version
// table): each migration file guard ran, up or down, and each forced
// version, oldest first. Versions applied by plain golang-migrate have no
// row. It reads only: no lock, no shadow, and a missing history table is
// an empty history, not created. It fails when the database cannot be
// reached or read.
func (r *Runner) History(ctx context.Context) (_ *History, err error) {
	s, err := r.open(ctx, false)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.close(ctx)) }()
	out := &History{Database: r.describe(), Table: s.historyTable(), MigrationsTable: r.c.table.Key(), Entries: []HistoryRecord{}}
	var exists, recovered bool
	err = s.conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL,
		EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'recovered' AND NOT attisdropped)`,
		once, s.historyTable()).Scan(&exists, &recovered)
	if err != nil {
		return nil, fmt.Errorf("look for %s: %w", s.historyTable(), err)
	}
	if !exists {
		return out, nil
	}
	rec := "false" // a table made before the column
	if recovered {
		rec = "recovered"
	}
	rows, err := s.conn.Query(ctx, `SELECT version, name, direction, sha256, applied_at, duration_ms, applied_by, client_host, client_pid, `+rec+`
		FROM `+s.historyTable()+` WHERE migrations_table = $1 ORDER BY id`, r.c.table.Key())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.historyTable(), err)
	}
	out.Entries, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (HistoryRecord, error) {
		var e HistoryRecord
		var v int64
		err := row.Scan(&v, &e.Name, &e.Direction, &e.SHA256, &e.AppliedAt, &e.DurationMS, &e.AppliedBy, &e.ClientHost, &e.ClientPID, &e.Recovered)
		e.Version = source.FromInt(v)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.historyTable(), err)
	}
	if out.Entries == nil {
		out.Entries = []HistoryRecord{}
	}
	return out, nil
}
