package guard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/migrator"
	"github.com/schemaguard/guard/internal/sqltext"
)

// label names a version by its up file's label ("000004_rename_email").
func label(src *source.Source, v source.Version) string {
	if v.IsNone() {
		return "no version"
	}
	if m, ok := src.Find(v); ok {
		return m.Label()
	}
	return v.String()
}

// diagnose builds the versions around a dirty version X in a shadow
// database and compares each with the live schema: the one before X (X did
// not run), X itself (X ran but golang-migrate did not record it, or the
// down of the version after X ran completely), and, when neither matches,
// the one after X (its down, interrupted, did not run).
func (r *Runner) diagnose(ctx context.Context, s *session, st state) (*Diagnosis, error) {
	d, err := r.diagnoseIn(ctx, s, st, true)
	if errors.Is(err, errInView) && ctx.Err() == nil {
		d, err = r.diagnoseIn(ctx, s, st, false)
	}
	return d, err
}

func (r *Runner) diagnoseIn(ctx context.Context, s *session, st state, view bool) (_ *Diagnosis, err error) {
	src, x := s.src, st.version
	if !src.Has(x) {
		return nil, &UnknownVersionError{Version: x, Head: src.Head(), Source: src.Name}
	}
	type cand struct {
		v       source.Version
		meaning string
		state   DirtyState
	}
	var cands []cand
	if !x.IsNone() {
		cands = append(cands, cand{src.Prev(x), label(src, x) + " did not run: nothing of it is there", StateNotApplied})
		cands = append(cands, cand{x, label(src, x) + " ran completely but was not recorded", StateApplied})
	} else {
		cands = append(cands, cand{source.None, "no migration is applied: the revert of the first one ran completely", StateApplied})
	}
	if nx, ok := src.Next(x); ok {
		cands = append(cands, cand{nx, "the revert of " + label(src, nx) + " did not run: nothing of it is there", StateNotApplied})
	}

	prov, err := r.provider(ctx, s)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, prov.Close(ctx)) }()
	live, err := s.live(ctx)
	if err != nil {
		return nil, err
	}
	// The files stepped are few: in a view of the cached template when
	// they allow it.
	var steps []Step
	for _, c := range cands[1:] {
		m, _ := src.Find(c.v)
		steps = append(steps, source.UpStep(m))
	}
	sh, _, err := shadowAt(ctx, prov, src, cands[0].v, view && viewable(src, steps))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, sh.Drop(ctx)) }()

	d := &Diagnosis{Version: st.version, Candidates: []Candidate{}}
	var matched []int
	for i, c := range cands {
		if i > 0 {
			// Only look past X when neither side of X matches.
			if x.Less(c.v) && !x.IsNone() && len(matched) > 0 {
				break
			}
			if err := sh.Step(ctx, src, steps[i-1]); err != nil {
				if sh.View() {
					return nil, fmt.Errorf("diagnose: %w: %w", errInView, err)
				}
				// The file fails where it would start: run in one
				// transaction, it was rolled back when it failed, so the
				// live schema cannot be this candidate's, nor any past it.
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || !rolledBack(src, steps[i-1]) {
					return nil, fmt.Errorf("diagnose: %w", err)
				}
				d.Candidates = append(d.Candidates, Candidate{Version: c.v, Meaning: c.meaning, Differences: []diff.Change{},
					Unreachable: fmt.Sprintf("%s fails on version %s's schema (%s) and runs in one transaction: a failed run leaves nothing of it", steps[i-1].File, cands[i-1].v, pgErr.Message)})
				break
			}
		}
		var sc *schema.Schema
		if sc, err = sh.Schema(ctx); err != nil {
			return nil, err
		}
		changes := changesOf(sc, live)
		d.Candidates = append(d.Candidates, Candidate{Version: c.v, Meaning: c.meaning, Matches: len(changes) == 0, Differences: changes})
		if len(changes) == 0 {
			matched = append(matched, i)
		}
	}
	switch len(matched) {
	case 1:
		c := cands[matched[0]]
		d.State, d.Recoverable, d.RecoverTo = c.state, true, c.v
		if c.state == StateApplied {
			d.Message = fmt.Sprintf("applied but unrecorded: the live schema is version %s's (%s)", c.v, c.meaning)
		} else {
			d.Message = fmt.Sprintf("not applied: the live schema is version %s's (%s)", c.v, c.meaning)
		}
	case 0:
		d.State = StatePartial
		var parts []string
		for _, c := range d.Candidates {
			if c.Unreachable != "" {
				parts = append(parts, fmt.Sprintf("version %s unreachable: its file fails", c.Version))
				continue
			}
			parts = append(parts, fmt.Sprintf("%s from version %s", plural(len(c.Differences), "difference"), c.Version))
		}
		d.Message = "partial: the live schema matches no version around it (" + strings.Join(parts, ", ") + ")"
	default:
		d.State = StateAmbiguous
		var vs []string
		for _, i := range matched {
			vs = append(vs, cands[i].v.String())
		}
		d.Message = fmt.Sprintf("ambiguous: the live schema matches versions %s alike (the migration changes data, not schema), so the schema cannot tell whether it ran", strings.Join(vs, " and "))
	}
	return d, nil
}

// rolledBack reports whether a failed run of step's file left nothing on
// the target: the file runs in one transaction (no transaction control,
// no statement PostgreSQL refuses inside a transaction block).
func rolledBack(src *source.Source, st Step) bool {
	body, err := src.Read(st.File)
	if err != nil {
		return false
	}
	if sqltext.TransactionControl(string(body)) {
		return false
	}
	for _, stmt := range sqltext.Statements(string(body)) {
		if _, ok := sqltext.NoTransaction(stmt); ok {
			return false
		}
	}
	return true
}

// dirtyError diagnoses a dirty database for the error that reports it.
func (r *Runner) dirtyError(ctx context.Context, s *session, st state) error {
	diag, err := r.diagnose(ctx, s, st)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		r.log.Warn("cannot diagnose the dirty database", "err", err)
		return &DirtyError{Version: st.version, Cause: err}
	}
	return &DirtyError{Version: st.version, Diagnosis: diag}
}

// Recover fixes a dirty database when its diagnosis is unambiguous: it sets
// the version to the one the live schema matches and clears the dirty flag,
// running no migration. It fails with *RecoverError, changing nothing, when
// the live schema matches no version around the dirty one (or several). A
// database that is not dirty is left alone (RecoverResult.Dirty is false).
// It holds guard's lock while it runs.
func (r *Runner) Recover(ctx context.Context) (_ *RecoverResult, err error) {
	s, err := r.open(ctx, true)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.close(ctx)) }()
	st, err := s.state(ctx)
	if err != nil {
		return nil, err
	}
	if !st.dirty {
		return &RecoverResult{Version: st.version}, nil
	}
	diag, err := r.diagnose(ctx, s, st)
	if err != nil {
		return nil, err
	}
	if !diag.Recoverable {
		return nil, &RecoverError{Diagnosis: diag}
	}
	if err := r.force(ctx, s, diag.RecoverTo); err != nil {
		return nil, err
	}
	return &RecoverResult{Dirty: true, Diagnosis: diag, Recovered: true, Version: diag.RecoverTo}, nil
}

// Force sets the version (source.None for none) and clears the dirty flag
// without running anything, like golang-migrate's force, and records it in
// guard's history. The version need not be in the source. It holds guard's
// lock while it runs.
func (r *Runner) Force(ctx context.Context, version source.Version) (_ *ForceResult, err error) {
	s, err := r.open(ctx, true)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.close(ctx)) }()
	st, err := s.state(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.force(ctx, s, version); err != nil {
		return nil, err
	}
	return &ForceResult{Previous: st.version, WasDirty: st.dirty, Version: version}, nil
}

func (r *Runner) force(ctx context.Context, s *session, version source.Version) (err error) {
	d, err := migrator.OpenDB(ctx, r.migrationConfig(s.server), s.src, s.table, migrator.WithLogger(r.log))
	if err != nil {
		return fmt.Errorf("open %s: %w", r.describe(), err)
	}
	defer func() { err = errors.Join(err, d.Close()) }()
	if err := d.Force(ctx, version); err != nil {
		return err
	}
	if err := s.ensureHistory(ctx); err != nil {
		return err
	}
	m, _ := s.src.Find(version)
	return s.recordVersion(ctx, version, m.Name, "force", "", 0)
}
