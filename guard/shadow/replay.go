package shadow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sqltext"
)

// Version returns the version of the last migration replayed into the
// shadow: None while it is empty.
func (s *Shadow) Version() source.Version {
	if len(s.applied) == 0 {
		return source.None
	}
	return source.V(s.applied[len(s.applied)-1].Version)
}

// Migrate brings the shadow to version of src: every migration of src up to
// and including version applied, none above; None means empty. It runs up files going up and down files (newest first) going
// down, one file at a time on the shadow's connection, each as one
// simple-protocol statement the way golang-migrate runs a file, but without
// golang-migrate's version bookkeeping. Going up, consecutive files that
// are safe to group (see batchable) are sent several to a round trip, in one
// transaction; when such a batch fails, it was rolled back as a whole and its
// files are replayed one by one, so a failure is reported exactly as if each
// file had run alone. A failed file is a *MigrationError
// naming it, after which the shadow refuses further replays (ErrFailed).
func (s *Shadow) Migrate(ctx context.Context, src *source.Source, version source.Version) error {
	if !src.Has(version) {
		return fmt.Errorf("shadow: migrate to version %s: migrations %s have no such version", version, src.Name)
	}
	for len(s.applied) > 0 && version.Less(s.Version()) {
		if err := s.step(ctx, src, s.applied[len(s.applied)-1], source.Down); err != nil {
			return err
		}
	}
	return s.replay(ctx, src, src.Upto(s.Version(), version))
}

// Step replays one file of src: the up file of a migration above the
// shadow's version, or the down file of the shadow's version. A runner
// steps to introspect the shadow after each file.
func (s *Shadow) Step(ctx context.Context, src *source.Source, st source.Step) error {
	m, ok := src.Find(source.V(st.Version))
	if !ok {
		return fmt.Errorf("shadow: migrations %s have no version %d", src.Name, st.Version)
	}
	return s.step(ctx, src, m, st.Direction)
}

func (s *Shadow) step(ctx context.Context, src *source.Source, m source.Migration, dir source.Direction) error {
	if s.failed {
		return ErrFailed
	}
	cur := s.Version()
	file := m.Up
	switch dir {
	case source.Up:
		if !cur.Less(source.V(m.Version)) {
			return fmt.Errorf("shadow: cannot apply %s: the shadow is already at version %s", m.Up, cur)
		}
	case source.Down:
		if cur != source.V(m.Version) {
			return fmt.Errorf("shadow: cannot revert %s: it is not the shadow's last migration", m.Label())
		}
		if m.Down == "" {
			return fmt.Errorf("shadow: cannot revert %s: it has no down file", m.Label())
		}
		file = m.Down
	default:
		return fmt.Errorf("shadow: unknown direction %q", dir)
	}
	body, err := src.Read(file)
	if err != nil {
		return fmt.Errorf("shadow: %w", err)
	}
	return s.run(ctx, m, file, string(body), dir)
}

// exec runs one file's contents as one simple-protocol query.
func (s *Shadow) exec(ctx context.Context, st source.Step, sql string) error {
	if strings.TrimSpace(sql) == "" {
		return nil // golang-migrate skips empty files too
	}
	if line, col, ok := sqltext.NUL(sql); ok {
		return &MigrationError{Step: st, InShadow: true, Line: line, Column: col, Err: ErrNUL}
	}
	s.cached = nil
	base := s.since
	s.since = nil // unknown, unless the observation tells what the file changed
	if s.observing != nil {
		return s.execObserved(ctx, st, sql, base) // see StepObserved
	}
	_, err := s.conn.PgConn().Exec(ctx, sql).ReadAll()
	if err == nil {
		return nil
	}
	s.failed = true
	me := &MigrationError{Step: st, InShadow: true, Err: err}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Position > 0 {
		me.Line, me.Column, _ = sqltext.Position(sql, int(pgErr.Position))
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		me.Err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}
	return me
}

// Batches of up files sent in one round trip, when their files allow it.
const (
	maxBatchFiles = 64
	maxBatchBytes = 1 << 20
)

// replay applies the up files of todo (in order, all above the shadow's
// version), grouping batchable files.
func (s *Shadow) replay(ctx context.Context, src *source.Source, todo []source.Migration) error {
	if s.view {
		// One transaction already: a failed batch could not be replayed.
		for _, m := range todo {
			if err := s.step(ctx, src, m, source.Up); err != nil {
				return err
			}
		}
		return nil
	}
	var batch []source.Migration
	var bodies []string
	size := 0
	flush := func() error {
		defer func() { batch, bodies, size = batch[:0], bodies[:0], 0 }()
		switch len(batch) {
		case 0:
			return nil
		case 1:
			return s.run(ctx, batch[0], batch[0].Up, bodies[0], source.Up)
		}
		if s.failed {
			return ErrFailed
		}
		s.cached, s.since = nil, nil
		_, err := s.conn.PgConn().Exec(ctx, strings.Join(bodies, "\n;\n")).ReadAll()
		if err == nil {
			s.applied = append(s.applied, batch...)
			return nil
		}
		if ctx.Err() != nil {
			s.failed = true
			st := source.UpStep(batch[0])
			st.File = batch[0].Up + " … " + batch[len(batch)-1].Up
			return &MigrationError{Step: st, InShadow: true, Err: fmt.Errorf("%w (%w)", err, context.Cause(ctx))}
		}
		// The batch ran as one implicit transaction, rolled back on error:
		// replay its files alone to find and report the failing one.
		for i, m := range batch {
			if err := s.run(ctx, m, m.Up, bodies[i], source.Up); err != nil {
				return err
			}
		}
		return nil
	}
	for _, m := range todo {
		b, err := src.Read(m.Up)
		if err != nil {
			return fmt.Errorf("shadow: %w", err)
		}
		body := string(b)
		if strings.TrimSpace(body) == "" {
			if len(batch) == 0 {
				s.applied = append(s.applied, m)
				continue
			}
			body = "" // an empty statement in the batch
		}
		if !batchable(body) || strings.IndexByte(body, 0) >= 0 { // a NUL: refused alone, by exec
			if err := flush(); err != nil {
				return err
			}
			if err := s.run(ctx, m, m.Up, body, source.Up); err != nil {
				return err
			}
			continue
		}
		batch, bodies, size = append(batch, m), append(bodies, body), size+len(body)
		if len(batch) >= maxBatchFiles || size >= maxBatchBytes || endsBatch(body) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// run executes one file and records it as applied (or reverted).
func (s *Shadow) run(ctx context.Context, m source.Migration, file, body string, dir source.Direction) error {
	if s.failed {
		return ErrFailed
	}
	if s.view && sqltext.Solo(body) {
		return fmt.Errorf("shadow: %s: %w", file, ErrNeedsDatabase)
	}
	st := source.UpStep(m)
	if dir == source.Down {
		st = source.Step{Version: m.Version, Name: m.Name, File: m.Down, Direction: source.Down}
	}
	if err := s.exec(ctx, st, body); err != nil {
		return err
	}
	if dir == source.Up {
		s.applied = append(s.applied, m)
	} else {
		s.applied = s.applied[:len(s.applied)-1]
	}
	return nil
}

// batchable reports whether a file may run in a batch with others: not a
// file that controls transactions (it would commit part of the batch), runs
// what PostgreSQL refuses in a transaction block, or sets something for the
// rest of its transaction.
func batchable(body string) bool { return !sqltext.Solo(body) }

// endsBatch reports whether a file must be the last of its batch: a value
// added to an enum type cannot be used before it commits.
func endsBatch(body string) bool { return sqltext.AddsEnumValue(body) }
