package guard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
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
	var before *schema.Schema // the first candidate's schema
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
		if i == 0 {
			before = sc
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
		// An interrupted CREATE INDEX CONCURRENTLY of X: the schema before
		// X but for the INVALID indexes it left.
		if cands[0].state == StateNotApplied && !x.IsNone() && before != nil {
			if rest, invalid := withoutInvalid(live, before); len(invalid) > 0 && len(changesOf(before, rest)) == 0 {
				d.Recoverable, d.RecoverTo, d.InvalidIndexes = true, cands[0].v, invalid
				d.Message = fmt.Sprintf("partial: the live schema is version %s's but for the INVALID %s %s (%s was interrupted while it built %s): recover drops %s and sets version %s, so that the file runs again",
					cands[0].v, pluralWord(len(invalid), "index", "indexes"), strings.Join(invalid, ", "), label(src, x),
					pluralWord(len(invalid), "it", "them"), pluralWord(len(invalid), "it", "them"), cands[0].v)
			}
		}
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

// withoutInvalid returns live without its INVALID indexes that before does
// not have, and their qualified names.
func withoutInvalid(live, before *schema.Schema) (*schema.Schema, []string) {
	had := map[[2]string]bool{}
	for _, t := range before.Tables {
		for _, ix := range t.Indexes {
			had[[2]string{t.Schema, ix.Name}] = true
		}
	}
	rest := *live
	rest.Tables = slices.Clone(live.Tables)
	var names []string
	for i := range rest.Tables {
		t := &rest.Tables[i]
		t.Indexes = slices.DeleteFunc(slices.Clone(t.Indexes), func(ix schema.Index) bool {
			if !ix.Invalid || had[[2]string{t.Schema, ix.Name}] {
				return false
			}
			names = append(names, schema.QuoteIdent(t.Schema)+"."+schema.QuoteIdent(ix.Name))
			return true
		})
	}
	return &rest, names
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

// heal is what prepare does with a dirty database whose diagnosis is
// exact and whose file runs in one transaction.
type heal int

const (
	healNever heal = iota // fail with *DirtyError
	healDry               // go on from the version Recover would set, changing nothing (Plan)
	healApply             // set that version, as Recover does, and go on (Up)
)

// dirty handles a dirty database met before migrating: it waits, within
// the lock wait, while a migration is still running (golang-migrate's lock
// is held: the flag is its "in progress" mark), then diagnoses it and, as h
// says, recovers when the diagnosis is exact (not applied, or applied but
// unrecorded) and the file that left it dirty runs in one transaction. It
// returns the state to go on from and the warning that says what was done,
// or a *DirtyError.
func (r *Runner) dirty(ctx context.Context, s *session, st state, h heal) (state, string, error) {
	st, err := r.awaitRunning(ctx, s, st)
	if err != nil || !st.dirty {
		return st, "", err
	}
	diag, err := r.diagnose(ctx, s, st)
	if err != nil {
		if ctx.Err() != nil {
			return st, "", err
		}
		r.log.Warn("cannot diagnose the dirty database", "err", err)
		return st, "", &DirtyError{Version: st.version, Cause: err}
	}
	if h == healNever || !diag.Recoverable {
		return st, "", &DirtyError{Version: st.version, Diagnosis: diag}
	}
	file, one := oneTransaction(s.src, diag)
	if !one {
		why := "its file is unknown"
		if file != "" {
			why = file + " runs outside a transaction: its data changes may have committed in part even though its schema changes are absent"
		}
		return st, "", &DirtyError{Version: st.version, Diagnosis: diag, NotRecovered: why}
	}
	if h == healDry {
		return state{version: diag.RecoverTo, table: true},
			fmt.Sprintf("database is dirty at version %s (%s): up would recover it by itself, setting the version to %s (%s runs in one transaction)", st.version, diag.Message, diag.RecoverTo, file), nil
	}
	if err := r.force(ctx, s, diag.RecoverTo); err != nil {
		return st, "", fmt.Errorf("recover dirty version %s: %w", st.version, err)
	}
	msg := fmt.Sprintf("RECOVERED AUTOMATICALLY: database was dirty at version %s (%s); %s runs in one transaction, so the version was set to %s (recorded in %s as force) and the migration goes on",
		st.version, diag.Message, file, diag.RecoverTo, HistoryTable)
	r.log.Warn("dirty database recovered automatically", "dirty_version", st.version, "diagnosis", string(diag.State), "version", diag.RecoverTo, "file", file)
	return state{version: diag.RecoverTo, table: true}, msg, nil
}

// oneTransaction names the file whose run left the database dirty as diag
// reads it (an up file, or the down file of the version after) and reports
// whether it runs in one transaction: no transaction control, nothing that
// must run outside a transaction or reaches past it (sqltext.Solo).
func oneTransaction(src *source.Source, diag *Diagnosis) (string, bool) {
	x := diag.Version
	var file string
	switch {
	case x.IsNone() || x.Less(diag.RecoverTo):
		v := diag.RecoverTo
		if x.IsNone() {
			nx, ok := src.Next(x)
			if !ok {
				return "", false
			}
			v = nx
		}
		m, _ := src.Find(v)
		file = m.Down
	default:
		m, _ := src.Find(x)
		file = m.Up
	}
	if file == "" {
		return "", false
	}
	body, err := src.Read(file)
	if err != nil {
		return file, false
	}
	return file, !sqltext.Solo(string(body))
}

// awaitRunning waits, within the lock wait, while golang-migrate's lock is
// held on a dirty database (a file is running), then reads the state again.
// Still held at the end of the wait: a *DirtyError saying that a migration
// is running, naming its session.
func (r *Runner) awaitRunning(ctx context.Context, s *session, st state) (state, error) {
	h, err := s.golangMigrateHolder(ctx)
	if err != nil || h == nil {
		return st, err
	}
	r.log.Warn("the database is dirty while a migration is running: waiting for it", "version", st.version, "holder_pid", h.PID)
	if err := s.awaitGolangMigrate(ctx, time.Now()); err != nil {
		var lw *LockWaitError
		if errors.As(err, &lw) {
			return st, &DirtyError{Version: st.version, Running: lw.Holder, Waited: lw.Waited}
		}
		return st, err
	}
	return s.state(ctx)
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
	if st.dirty {
		// Never recover under a file that is running.
		if st, err = r.awaitRunning(ctx, s, st); err != nil {
			return nil, err
		}
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
	if len(diag.InvalidIndexes) > 0 {
		if err := r.dropIndexes(ctx, s, diag.InvalidIndexes); err != nil {
			return nil, fmt.Errorf("recover dirty version %s: %w", st.version, err)
		}
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
	d, err := r.openMigrator(ctx, s, false)
	if err != nil {
		return err
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
