package guard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sqltext"
)

// move is a list of migration files to run from a version, in one direction.
type move struct {
	dir   Direction
	from  source.Version
	steps []Step
}

func (mv move) to() source.Version {
	if len(mv.steps) == 0 {
		return mv.from
	}
	return mv.steps[len(mv.steps)-1].To
}

// selector lists the steps of a move from the current version.
type selector func(src *source.Source, cur source.Version) (move, error)

// upTo moves up n files (all for n <= 0), not past limit (the head for
// None).
func upTo(n int, limit source.Version) selector {
	return func(src *source.Source, cur source.Version) (move, error) {
		if limit.IsNone() {
			limit = src.Head()
		}
		steps := src.UpSteps(cur, limit)
		if n > 0 && len(steps) > n {
			steps = steps[:n]
		}
		return move{dir: Up, from: cur, steps: steps}, nil
	}
}

// downTo moves down n files (all for n <= 0), not below limit. A file to
// revert without down file is a *NoDownFileError.
func downTo(n int, limit source.Version) selector {
	return func(src *source.Source, cur source.Version) (move, error) {
		steps := src.DownSteps(cur, limit)
		if n > 0 && len(steps) > n {
			steps = steps[:n]
		}
		for _, st := range steps {
			if st.File == "" {
				m, _ := src.Find(source.V(st.Version))
				return move{}, &NoDownFileError{Migration: m}
			}
		}
		return move{dir: Down, from: cur, steps: steps}, nil
	}
}

// planned is a plan and what applying it needs: the schema expected after
// each step.
type planned struct {
	plan    *Plan
	mv      move
	c       *contract.Contract
	schemas []*schema.Schema // [0]: at the current version; [i]: after step i
}

// prepare reads the state under the session and lists the move; on a dirty
// database it waits for a running migration, then recovers as h says (see
// dirty) or fails with a diagnosis; it fails on an unknown version. A plan
// with no step needs no shadow.
func (r *Runner) prepare(ctx context.Context, s *session, sel selector, dir Direction, h heal) (*Plan, move, error) {
	st, err := s.state(ctx)
	if err != nil {
		return nil, move{}, err
	}
	var healed string
	if st.dirty {
		if st, healed, err = r.dirty(ctx, s, st, h); err != nil {
			return nil, move{}, err
		}
	}
	src := s.src
	p := &Plan{
		Database: r.describe(), Source: src.Name, Version: st.version, Head: src.Head(), Direction: dir,
		Target: st.version, Steps: []PlannedStep{}, HistoryDrift: []diff.Change{}, Warnings: []string{},
	}
	if healed != "" {
		p.Warnings = append(p.Warnings, healed)
	}
	if !src.Has(st.version) {
		if src.Head().Less(st.version) && dir == Up {
			p.Ahead = true
			p.Warnings = append(p.Warnings, fmt.Sprintf("database is at version %s, newer than the head %s of migrations %s: this binary is older than the database; nothing to apply", st.version, src.Head(), src.Name))
			return p, move{dir: dir, from: st.version}, nil
		}
		return nil, move{}, &UnknownVersionError{Version: st.version, Head: src.Head(), Source: src.Name}
	}
	mv, err := sel(src, st.version)
	if err != nil {
		return nil, move{}, err
	}
	p.Target = mv.to()
	return p, mv, nil
}

// provider places shadows as the options say.
func (r *Runner) provider(ctx context.Context, s *session) (*shadow.Provider, error) {
	opts := []shadow.Option{
		shadow.WithLogger(r.log),
		shadow.WithInspection(r.c.schemas, []string{r.c.table.String()}),
		shadow.WithVersionTable(s.table),
	}
	target, err := r.shadowTarget(s)
	if err != nil {
		return nil, err
	}
	if target != nil {
		opts = append(opts, shadow.WithTarget(target))
	}
	if r.c.shadowURL != "" {
		// The session tells who the target is: no connection more.
		opts = append(opts, shadow.WithShadowURL(r.c.shadowURL), shadow.WithTargetConn(s.conn))
	}
	if r.c.shadowCache != nil {
		opts = append(opts, shadow.WithTemplateCache(*r.c.shadowCache))
	}
	return shadow.NewProvider(ctx, opts...)
}

// shadowAt returns a shadow at version v of src (None: empty), from the
// template cache when the provider has one: a view of the template (a
// transaction rolled back at the end) when view is true, else a copy.
func shadowAt(ctx context.Context, prov *shadow.Provider, src *source.Source, v source.Version, view bool) (*shadow.Shadow, bool, error) {
	switch {
	case v.IsNone():
		sh, err := prov.New(ctx)
		return sh, false, err
	case view:
		return prov.View(ctx, src, v)
	}
	return prov.NewAt(ctx, src, v)
}

// viewable reports whether every file of steps may run in a view (none must
// run alone).
func viewable(src *source.Source, steps []Step) bool {
	for _, st := range steps {
		body, err := src.Read(st.File)
		if err != nil || sqltext.Solo(string(body)) {
			return false
		}
	}
	return true
}

// plan replays the move in a shadow database, one file at a time,
// attributing each change to its file, and judges the result against the
// contract. The live schema is inspected meanwhile, on the session, for
// history drift.
func (r *Runner) plan(ctx context.Context, s *session, p *Plan, mv move) (_ *planned, err error) {
	c, err := r.contract()
	if err != nil {
		return nil, err
	}
	prov, err := r.provider(ctx, s)
	if err != nil {
		return nil, err
	}
	// The shadows are dropped (an ephemeral cluster stopped) while the
	// plan is judged and applied: the session waits for it as it closes.
	defer s.inBackground("drop the plan's shadow databases", func() error { return prov.Close(context.WithoutCancel(ctx)) })
	r.log.Debug("shadow provider ready", "placement", prov.Placement())

	// The session and the shadow are independent connections. Neither side
	// cancels the other: the session holds guard's lock, and a statement
	// cancelled on it is a needless risk.
	var live *schema.Schema
	var rep *replayed
	var repErr error
	var g errgroup.Group
	g.Go(func() error {
		var err error
		live, err = s.live(ctx)
		r.log.Debug("live schema inspected")
		return err
	})
	g.Go(func() error {
		rep, repErr = r.replay(ctx, prov, s.src, mv)
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if repErr != nil && (rep == nil || !missingObject(repErr)) {
		return nil, repErr
	}
	p.HistoryDrift = changesOf(rep.schemas[0], live)
	if n := len(p.HistoryDrift); n > 0 {
		if r.c.failOnDrift {
			return nil, &DriftError{Changes: p.HistoryDrift}
		}
		p.Warnings = append(p.Warnings, fmt.Sprintf("history drift: the live schema differs from what the applied migrations produce (%s)", plural(n, "difference")))
	}
	if rep, err = r.fromLive(ctx, prov, s, mv, p, rep, repErr); err != nil {
		return nil, err
	}
	p.Shadow = &rep.info
	r.emit(Event{Kind: EventShadow, Duration: time.Duration(p.Shadow.BuildMS * float64(time.Millisecond)), Warm: p.Shadow.Warm})

	pl := &planned{plan: p, mv: mv, c: c, schemas: rep.schemas}
	stepChanges := make([][]diff.Change, len(mv.steps))
	for i, st := range mv.steps {
		body, _ := s.src.Read(st.File) // read ahead: it was replayed
		changes := diff.Step(rep.schemas[i], rep.schemas[i+1], string(body))
		for _, ch := range changes {
			p.DataLoss = p.DataLoss || ch.DataLoss
		}
		stepChanges[i] = changes
		p.Steps = append(p.Steps, PlannedStep{Step: st, Changes: c.Evaluate(changes), Hazards: []hazard.Hazard{}})
	}
	p.Contract = c.Judge(rep.schemas[len(mv.steps)], stepChanges)
	p.Blocked = p.Contract.Blocked
	if err := r.judgeHazards(ctx, s, p, c, rep.observed); err != nil {
		return nil, err
	}
	return pl, nil
}

// replayed is the shadow's side of a plan.
type replayed struct {
	info    ShadowInfo
	schemas []*schema.Schema // [0]: at the current version; [i]: after step i
	// observed is what the shadow saw in step i (see observeStep).
	observed []*hazard.File
}

// replay builds a shadow at the move's start and steps it, reading its
// schema before the first step and after each: in a view of the cached
// template when the files allow it, else (or when a file fails in the view)
// in a database of its own.
func (r *Runner) replay(ctx context.Context, prov *shadow.Provider, src *source.Source, mv move) (*replayed, error) {
	view := viewable(src, mv.steps)
	rep, err := r.replayIn(ctx, prov, src, mv, view)
	if view && (errors.Is(err, errInView) || err == nil && heldBefore(rep)) && ctx.Err() == nil {
		// Some files fail only when they share a transaction, and what a
		// file locks is hidden by an earlier one's locks: replay in a
		// database of its own for the authoritative answer.
		rep, err = r.replayIn(ctx, prov, src, mv, false)
	}
	return rep, err
}

// errInView marks a step that failed in a view of a template.
var errInView = errors.New("failed in a view of the template")

func (r *Runner) replayIn(ctx context.Context, prov *shadow.Provider, src *source.Source, mv move, view bool) (_ *replayed, err error) {
	start := time.Now()
	sh, warm, err := shadowAt(ctx, prov, src, mv.from, view)
	if err != nil {
		return nil, err
	}
	if sh.View() {
		// A view holds a connection to its template, which a database
		// made from the template next must not find there.
		defer func() { err = errors.Join(err, sh.Drop(ctx)) }()
	}
	// A database of its own is dropped with the provider, in the
	// background (see plan).
	rep := &replayed{info: ShadowInfo{Placement: string(sh.Placement()), Warm: warm, View: sh.View(), BuildMS: ms(time.Since(start)), Start: StartHistory}}
	base, err := sh.Schema(ctx)
	if err != nil {
		return nil, err
	}
	r.log.Debug("shadow schema read")
	rep.schemas = append(rep.schemas, base)
	if err := r.stepThrough(ctx, sh, src, mv, rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// stepThrough runs the move's files in sh, one at a time, reading its
// schema after each into rep. A file that fails is a *shadow.MigrationError
// (in a view: also errInView), rep holding the schemas before it.
func (r *Runner) stepThrough(ctx context.Context, sh *shadow.Shadow, src *source.Source, mv move, rep *replayed) error {
	for _, st := range mv.steps {
		obs, err := r.observeStep(ctx, sh, src, st)
		if err != nil {
			if sh.View() {
				return fmt.Errorf("plan: %w: %w", errInView, err)
			}
			return fmt.Errorf("plan: %w", err)
		}
		r.log.Debug("replayed in the shadow", "file", st.File)
		after, err := sh.Schema(ctx)
		if err != nil {
			return err
		}
		r.log.Debug("shadow schema inspected", "after", st.File)
		rep.schemas = append(rep.schemas, after)
		rep.observed = append(rep.observed, obs)
	}
	return nil
}

// removals lists the changes of a plan that lose data.
func removals(p *Plan) []diff.Change {
	var out []diff.Change
	for _, st := range p.Steps {
		for _, tr := range st.Changes.Tables {
			for _, it := range tr.Items {
				if it.DataLoss {
					out = append(out, diff.Change{Kind: it.Kind, Impact: it.Impact, Table: tr.Table, Object: it.Object, Message: it.Message})
				}
			}
		}
	}
	return out
}

// Plan finds out, without changing the target, what Up would do: it builds
// a shadow database at the current version (history drift: how the live
// schema differs from it), replays each pending migration in it, attributing
// every change to its file, and judges the result against the contract. A
// blocked plan is not an error: Plan.Blocked says so. It holds guard's lock
// while it runs, and refuses whatever Up refuses before applying: it fails
// with *DirtyError on a dirty database (with a diagnosis) that Up would not
// recover by itself (when it would, the plan starts from the version
// Recover sets, with a warning, and nothing changes), *EditedError when
// an applied file changed since (unless WithAllowEdited) and *LockWaitError
// when the lock stays taken.
func (r *Runner) Plan(ctx context.Context) (_ *Plan, err error) {
	s, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.close(ctx)) }()
	p, mv, err := r.prepare(ctx, s, upTo(0, source.None), Up, r.autoRecover(healDry))
	if err != nil {
		return nil, err
	}
	// The same check, in the same order, as Up's: plan and up agree.
	if err := r.refuseEdited(ctx, s, mv.from); err != nil {
		return nil, err
	}
	if len(mv.steps) == 0 {
		return p, nil
	}
	pl, err := r.plan(ctx, s, p, mv)
	if err != nil {
		return nil, err
	}
	return pl.plan, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// changesOf is diff.Schemas, never nil (an empty JSON list, not null).
func changesOf(before, after *schema.Schema) []diff.Change {
	if cs := diff.Schemas(before, after); cs != nil {
		return cs
	}
	return []diff.Change{}
}
