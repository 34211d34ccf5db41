package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
)

// Run verifies the migration history src (source.Load or source.Open of
// the migrations folder, or LoadSource to have the files they refuse
// reported as findings): it runs every check (see AllChecks) and returns
// the report. A check that fails is a finding in the report, not an error:
// Run returns an error only when it cannot verify at all — an
// *OptionError (before anything runs), a migrations folder or file that
// cannot be read, a contract file that cannot be read, no place for a
// shadow database (*shadow.UnavailableError), a connection lost, or ctx
// ending.
//
// The history is replayed in a shadow database created empty (two, for a
// long history, checked at once in two ranges): on the
// provider of WithShadowProvider, on the server of WithShadowURL, else on
// an ephemeral local cluster started for the run. Shadows are always
// dropped. Run is safe for concurrent use (each call has its own shadows).
func Run(ctx context.Context, src *source.Source, opts ...Option) (_ *Report, err error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, &OptionError{Option: "Run", Reason: "nil source"}
	}
	r := &run{o: o, src: src, status: map[Check]CheckResult{}, drift: map[int]map[string]bool{},
		rep: &Report{Source: o.sourceDir, Migrations: len(src.Migrations), Head: src.Head(), Findings: []Finding{}}}
	defer func() {
		if err == nil {
			r.finish()
		}
	}()

	// Checks that read files only.
	if err := r.hygiene(); err != nil {
		return nil, err
	}
	if err := r.checkSum(); err != nil {
		return nil, err
	}

	// Checks that replay the history in a shadow database.
	p := o.provider
	if p == nil {
		var sopts []shadow.Option
		if o.shadowURL != "" {
			sopts = append(sopts, shadow.WithShadowURL(o.shadowURL))
		}
		sopts = append(sopts, shadow.WithLogger(o.logger), shadow.WithTemplateCache(false))
		if p, err = shadow.NewProvider(ctx, sopts...); err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, p.Close(context.WithoutCancel(ctx))) }()
	}
	r.p = p
	defer func() {
		if r.sh != nil {
			err = errors.Join(err, r.sh.Drop(context.WithoutCancel(ctx)))
		}
	}()
	final, err := r.replay(ctx)
	if err != nil {
		return nil, err
	}
	if final == nil {
		r.skip(CheckContract, "the history does not apply")
		r.skip(CheckQueries, "the history does not apply")
		return r.rep, nil
	}
	// The contract and queries checks use the schema and the shadow at the
	// head that the replay ends with, rather than shadow.HistorySchema: the
	// queries are prepared in that very shadow, and a second replay of the
	// history would only cost time.
	r.checkContract(final)
	if err := r.checkQueries(ctx); err != nil {
		return nil, err
	}
	return r.rep, nil
}

// run is the state of one Run.
type run struct {
	o      *options
	src    *source.Source
	rep    *Report
	status map[Check]CheckResult
	p      *shadow.Provider
	sh     *shadow.Shadow // the shadow at the end of the replay (its walkers' are dropped)

	// drift[k] holds the keys of the contract's drift from the schema after
	// the first k migrations, for each k where that schema was inspected
	// (with a contract only), merged from the walkers: it tells which
	// migration made a change.
	drift map[int]map[string]bool
}

// add records a finding.
func (r *run) add(f Finding) { r.rep.Findings = append(r.rep.Findings, f) }

// done records what a check did; its status follows from its findings.
func (r *run) done(c Check, detail string) {
	st := StatusPassed
	for _, f := range r.rep.Findings {
		if f.Check != c {
			continue
		}
		if f.Severity == SeverityError {
			st = StatusFailed
			break
		}
		st = StatusWarned
	}
	r.status[c] = CheckResult{Check: c, Status: st, Detail: detail}
}

func (r *run) skip(c Check, why string) {
	r.status[c] = CheckResult{Check: c, Status: StatusSkipped, Detail: "skipped: " + why}
}

// finish orders the findings and fills in the checks, summary and status.
func (r *run) finish() {
	slices.SortStableFunc(r.rep.Findings, func(a, b Finding) int { return rank(a.Check) - rank(b.Check) })
	r.rep.Checks = r.rep.Checks[:0]
	for _, c := range checks {
		cr, ok := r.status[c]
		if !ok {
			cr = CheckResult{Check: c, Status: StatusSkipped, Detail: "skipped"}
		}
		r.rep.Checks = append(r.rep.Checks, cr)
	}
	failed := false
	for _, f := range r.rep.Findings {
		switch f.Severity {
		case SeverityError:
			r.rep.Summary.Errors++
			if f.Check == CheckContract {
				r.rep.Summary.Blocked = true
			} else {
				failed = true
			}
		case SeverityWarning:
			r.rep.Summary.Warnings++
		}
	}
	switch {
	case failed:
		r.rep.Status = StatusFailed
	case r.rep.Summary.Blocked:
		r.rep.Status = StatusBlocked
	default:
		r.rep.Status = StatusPassed
	}
}

// inspect reads the walker's shadow's schema.
func (w *walker) inspect(ctx context.Context) (*schema.Schema, error) {
	s, err := schema.Inspect(ctx, w.sh.Querier(), schema.WithSchemas(w.r.o.schemas...))
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return s, nil
}

// inspectAt reads the schema of the shadow on the straight path of the
// history, k migrations applied, and records the contract's drift from it.
func (w *walker) inspectAt(ctx context.Context, k int) (*schema.Schema, error) {
	s, err := w.inspect(ctx)
	if err != nil || w.r.o.contract == nil {
		return s, err
	}
	if w.drift == nil {
		w.drift = map[int]map[string]bool{}
	}
	keys := map[string]bool{}
	for _, ch := range w.r.o.contract.Drift(s) {
		keys[string(ch.Kind)+"\x00"+ch.Object] = true
	}
	w.drift[k] = keys
	return s, nil
}
