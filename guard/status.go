package guard

import (
	"context"
	"errors"
	"fmt"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

// Status reports the database's state against the source: version, dirty
// flag (with a diagnosis), pending migrations, history drift (built in a
// shadow database at the current version), the contract's drift of the live
// schema, and applied files edited since. It changes nothing and takes no
// lock: when a migration is running, Running names its session. A database
// newer than the source's head is not an error (Ahead, with a warning); a
// version the source lacks below its head is an *UnknownVersionError.
func (r *Runner) Status(ctx context.Context) (_ *Status, err error) {
	s, err := r.open(ctx, false)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.close(ctx)) }()
	st, err := s.state(ctx)
	if err != nil {
		return nil, err
	}
	c, err := r.contract()
	if err != nil {
		return nil, err
	}
	out := &Status{
		Database: r.describe(), Source: r.src.Name, Version: st.ptr(), Dirty: st.dirty, Head: r.src.Head(),
		Pending: []Migration{}, HistoryDrift: []diff.Change{}, Edited: []EditedFile{}, Warnings: []string{},
	}
	if !r.known(st.version) {
		if uint64(st.version) <= r.src.Head() {
			return nil, &UnknownVersionError{Version: uint64(st.version), Head: r.src.Head(), Source: r.src.Name}
		}
		out.Ahead = true
		out.Warnings = append(out.Warnings, fmt.Sprintf("database is at version %d, newer than the head %d of migrations %s: this binary is older than the database", st.version, r.src.Head(), r.src.Name))
	}
	if out.Running, err = s.running(ctx, st.dirty); err != nil {
		return nil, err
	}
	if h := out.Running; h != nil {
		out.Warnings = append(out.Warnings, fmt.Sprintf("a migration is running: %s's lock is held by pid %d (%s)", h.Lock, h.PID, h.ApplicationName))
	}
	live, err := s.live(ctx)
	if err != nil {
		return nil, err
	}
	out.Contract = c.Evaluate(c.Drift(live))
	if out.LastApplied, err = s.last(ctx); err != nil {
		return nil, err
	}
	if out.Ahead {
		return out, nil
	}
	edited, err := s.edited(ctx, st.version)
	if err != nil {
		return nil, err
	}
	out.Edited = append(out.Edited, edited...)
	switch {
	case st.dirty && out.Running != nil:
		// The flag is golang-migrate's "in progress" mark: nothing to diagnose.
	case st.dirty:
		diag, err := r.diagnose(ctx, s, st)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			out.Warnings = append(out.Warnings, "cannot diagnose the dirty database: "+err.Error())
		}
		out.Diagnosis = diag
	default:
		for _, m := range r.src.Upto(uint64(max(st.version, 0)), r.src.Head()) {
			out.Pending = append(out.Pending, publicMigration(m))
		}
		if st.version < 0 && len(r.src.Migrations) > 0 && r.src.Migrations[0].Version == 0 {
			out.Pending = append([]Migration{publicMigration(r.src.Migrations[0])}, out.Pending...)
		}
		base, err := r.historySchema(ctx, s, st.version)
		if err != nil {
			return nil, err
		}
		out.HistoryDrift = append(out.HistoryDrift, diff.Schemas(base, live)...)
	}
	return out, nil
}

// historySchema is the schema the applied migrations produce, built in a
// shadow database (from the template cache when there is one).
func (r *Runner) historySchema(ctx context.Context, s *session, v int64) (_ *schema.Schema, err error) {
	prov, err := r.provider(ctx, s)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, prov.Close(ctx)) }()
	sh, _, err := r.shadowAt(ctx, prov, v, true)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, sh.Drop(ctx)) }()
	return sh.Schema(ctx)
}
