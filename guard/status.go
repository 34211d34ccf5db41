package guard

import (
	"context"
	"errors"
	"fmt"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/enforce"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/source"
)

// StatusOption configures one Status call.
type StatusOption func(*statusOptions)

type statusOptions struct{ drift bool }

// CheckDrift makes Status report history drift too (guard migrate status
// --drift): how the live schema differs from what the applied migrations
// produce, built in a shadow database at the current version (a second
// or two without a cached template). Without it Status reads the target
// only, and DriftChecked is false.
func CheckDrift() StatusOption { return func(o *statusOptions) { o.drift = true } }

// Status reports the database's state against the source: version, dirty
// flag (with a diagnosis), pending migrations, the contract's drift of the
// live schema, applied files edited since, and, with CheckDrift, history
// drift. It changes nothing and takes no lock: when a migration is
// running, Running names its session. A database newer than the source's
// head is not an error (Ahead, with a warning); a version the source lacks
// below its head is an *UnknownVersionError.
func (r *Runner) Status(ctx context.Context, opts ...StatusOption) (_ *Status, err error) {
	var o statusOptions
	for _, opt := range opts {
		opt(&o)
	}
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
	src := s.src
	out := &Status{
		Database: r.describe(), Source: src.Name, Version: st.version, Dirty: st.dirty, Head: src.Head(),
		Pending: []Migration{}, HistoryDrift: []diff.Change{}, Edited: []EditedFile{}, Warnings: []string{},
	}
	if !src.Has(st.version) {
		if !src.Head().Less(st.version) {
			return nil, &UnknownVersionError{Version: st.version, Head: src.Head(), Source: src.Name}
		}
		out.Ahead = true
		out.Warnings = append(out.Warnings, fmt.Sprintf("database is at version %s, newer than the head %s of migrations %s: this binary is older than the database", st.version, src.Head(), src.Name))
	}
	if out.Running, err = s.running(ctx, st.dirty); err != nil {
		return nil, err
	}
	if h := out.Running; h != nil {
		out.Warnings = append(out.Warnings, fmt.Sprintf("a migration is running: %s's lock is held by pid %d (%s)", h.Lock, h.PID, h.ApplicationName))
	}
	// The live schema is read for the contract's drift, when the contract
	// locks something, and for history drift: a contract locking nothing
	// drifts from no schema, and status stays one cheap round of queries.
	live := &schema.Schema{}
	if c.All || len(c.Tables) > 0 || len(c.Views) > 0 || o.drift {
		if live, err = s.live(ctx); err != nil {
			return nil, err
		}
	}
	out.Contract = c.Evaluate(c.Drift(live))
	if r.c.contractPath != "" {
		es, err := enforce.Status(ctx, s.conn, c)
		switch {
		case err != nil:
			out.Warnings = append(out.Warnings, "cannot read the contract enforced in the database: "+err.Error())
		case es.Installed:
			out.Enforcement = es
			if !es.InSync {
				out.Warnings = append(out.Warnings, fmt.Sprintf("the contract enforced in the database is not %s (fingerprints differ): run guard contract enforce sync", r.c.contractPath))
			}
		}
	}
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
		out.Pending = append(out.Pending, src.Upto(st.version, src.Head())...)
		if !o.drift {
			break
		}
		base, err := r.historySchema(ctx, s, st.version)
		if err != nil {
			return nil, err
		}
		out.DriftChecked = true
		out.HistoryDrift = append(out.HistoryDrift, diff.Schemas(base, live)...)
	}
	return out, nil
}

// historySchema is the schema the applied migrations produce, built in a
// shadow database (from the template cache when there is one).
func (r *Runner) historySchema(ctx context.Context, s *session, v source.Version) (_ *schema.Schema, err error) {
	prov, err := r.provider(ctx, s)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, prov.Close(ctx)) }()
	return prov.HistorySchema(ctx, s.src, v)
}
