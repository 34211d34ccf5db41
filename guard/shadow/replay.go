package shadow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/internal/migrator"
)

// Version returns the version of the last migration replayed into the
// shadow; ok is false while it is empty.
func (s *Shadow) Version() (version uint64, ok bool) {
	if len(s.applied) == 0 {
		return 0, false
	}
	return s.applied[len(s.applied)-1].Version, true
}

// Migrate brings the shadow to version of src: every migration of src up to
// and including version applied, none above. 0 means empty (unless src has a
// version 0). It runs up files going up and down files (newest first) going
// down, one file at a time on the shadow's connection, each as one
// simple-protocol statement the way golang-migrate runs a file, but without
// golang-migrate's version bookkeeping. A failed file is a *MigrationError
// naming it, after which the shadow refuses further replays (ErrFailed).
func (s *Shadow) Migrate(ctx context.Context, src *migrator.Source, version uint64) error {
	if version != 0 {
		if _, ok := src.Find(version); !ok {
			return fmt.Errorf("shadow: migrate to version %d: migrations %s have no such version", version, src.Name)
		}
	}
	for len(s.applied) > 0 && s.applied[len(s.applied)-1].Version > version {
		if err := s.Step(ctx, src, s.applied[len(s.applied)-1], migrator.DirectionDown); err != nil {
			return err
		}
	}
	for _, m := range src.Migrations {
		if cur, ok := s.Version(); (ok && m.Version <= cur) || m.Version > version {
			continue
		}
		if err := s.Step(ctx, src, m, migrator.DirectionUp); err != nil {
			return err
		}
	}
	return nil
}

// Step replays one file of src: m's up file, when m is above the shadow's
// version, or its down file, when m is the shadow's version. A runner steps
// to introspect the shadow after each file.
func (s *Shadow) Step(ctx context.Context, src *migrator.Source, m migrator.Migration, dir migrator.Direction) error {
	if s.failed {
		return ErrFailed
	}
	cur, ok := s.Version()
	file := m.Up
	switch dir {
	case migrator.DirectionUp:
		if ok && m.Version <= cur {
			return fmt.Errorf("shadow: cannot apply %s: the shadow is already at version %d", m.Up, cur)
		}
	case migrator.DirectionDown:
		if !ok || m.Version != cur {
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
	if err := s.exec(ctx, file, m.Version, string(body)); err != nil {
		return err
	}
	if dir == migrator.DirectionUp {
		s.applied = append(s.applied, m)
	} else {
		s.applied = s.applied[:len(s.applied)-1]
	}
	return nil
}

// exec runs one file's contents as one simple-protocol query.
func (s *Shadow) exec(ctx context.Context, file string, version uint64, sql string) error {
	if strings.TrimSpace(sql) == "" {
		return nil // golang-migrate skips empty files too
	}
	_, err := s.conn.PgConn().Exec(ctx, sql).ReadAll()
	if err == nil {
		return nil
	}
	s.failed = true
	me := &MigrationError{File: file, Version: version, Err: err}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Position > 0 {
		me.Line, me.Column, _ = migrator.Position(sql, int(pgErr.Position))
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		me.Err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}
	return me
}
