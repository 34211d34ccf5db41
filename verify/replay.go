package verify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/sync/errgroup"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sqltext"
)

// tally counts what a replay did: versions whose down file was checked,
// versions without one, and, when the history stops, the migrations that
// applied.
type tally struct{ checked, missing, applied int }

// replay runs the apply and down checks and returns the schema after the
// last migration, or nil when the history does not apply; r.sh is then the
// shadow at the head, for the queries check.
//
// For each version with a down file: inspect, up, down, inspect again and
// compare, then up again. The schema is read only where it is compared
// (before up, after down) and at the end. Consecutive versions without a
// down file are applied in one go (batched where their files allow). When a
// down check fails, the shadow is rebuilt at that version from scratch, so
// that one broken down file does not spill into the next versions' checks.
//
// A long history is checked in two ranges at once, each by a walker with a
// shadow of its own (the second built at the version before its range,
// without down checks): the checks are CPU-bound on the server, and the
// replay of one shadow keeps one core busy. The findings are the ranges'
// in order, up to the range where the history stops, so the report is the
// one a single walker writes (TestLongHistory).
func (r *run) replay(ctx context.Context) (_ *schema.Schema, err error) {
	ranges := r.ranges()
	walkers := make([]*walker, len(ranges))
	var g errgroup.Group // no shared cancellation: one range's failure is judged below
	for i, rg := range ranges {
		walkers[i] = &walker{r: r, lo: rg[0], hi: rg[1]}
		g.Go(func() error { return walkers[i].run(ctx) })
	}
	err = g.Wait()
	defer func() {
		for _, w := range walkers {
			if w.sh != nil && w.sh != r.sh {
				err = errors.Join(err, w.sh.Drop(context.WithoutCancel(ctx)))
			}
		}
	}()
	if err != nil {
		return nil, err
	}
	var t tally
	var missing []source.Migration
	for _, w := range walkers {
		if w.unbuilt {
			// Building this range's start failed: an earlier range stops
			// at the same file, or the history is not deterministic.
			return nil, fmt.Errorf("verify: the history applied in one shadow database but not in another up to %s", r.src.Migrations[w.lo-1].Up)
		}
		r.rep.Findings = append(r.rep.Findings, w.findings...)
		r.rep.Hazards = append(r.rep.Hazards, w.hazards...)
		maps.Copy(r.drift, w.drift)
		t.checked += w.t.checked
		t.missing += w.t.missing
		missing = append(missing, w.missing...)
		if w.stopped {
			t.applied = w.t.applied
			r.sh = w.sh
			r.missingDowns(missing)
			r.stops(t)
			return nil, nil
		}
	}
	last := walkers[len(walkers)-1]
	r.sh = last.sh
	final, err := last.inspectAt(ctx, len(r.src.Migrations))
	if err != nil {
		return nil, err
	}
	maps.Copy(r.drift, last.drift)
	r.missingDowns(missing)
	r.passed(t)
	return final, nil
}

// splitDowns is how many down files make a history long enough to check in
// two ranges at once: below it, the second shadow's build costs more than it
// saves.
const splitDowns = 20

// ranges splits the history into the ranges of migrations (by index) that
// walkers check: one, or two for a long history, cut where the first holds
// a little more than half the down files (the second also replays the
// first's up files to build its start).
func (r *run) ranges() [][2]int {
	migs := r.src.Migrations
	downs := 0
	for _, m := range migs {
		if m.Down != "" {
			downs++
		}
	}
	if downs < splitDowns || r.o.oneRange {
		return [][2]int{{0, len(migs)}}
	}
	cut, seen := 0, 0
	for i, m := range migs {
		if m.Down != "" {
			seen++
		}
		if seen*100 >= downs*55 {
			cut = i + 1
			break
		}
	}
	return [][2]int{{0, cut}, {cut, len(migs)}}
}

// walker checks the migrations [lo, hi) of the history in a shadow of its
// own, collecting its findings; a Run merges its walkers' results.
type walker struct {
	r      *run // options, source and provider, read only
	lo, hi int
	sh     *shadow.Shadow

	findings []Finding
	hazards  []hazard.Hazard // see observe
	// drift[k] holds the keys of the contract's drift from the schema after
	// the first k migrations, for each k where that schema was inspected
	// (with a contract only): it tells which migration made a change.
	drift   map[int]map[string]bool
	t       tally
	missing []source.Migration // versions without a down file, in order
	stopped bool               // a migration of the range does not apply (a finding says which)
	unbuilt bool               // the shadow at the version before lo could not be built
}

func (w *walker) add(f Finding) { w.findings = append(w.findings, f) }

// run builds the walker's shadow at the version before its range and walks
// the range.
func (w *walker) run(ctx context.Context) (err error) {
	if w.lo == 0 {
		w.sh, err = w.r.p.New(ctx)
	} else {
		w.sh, _, err = w.r.p.NewAt(ctx, w.r.src, source.V(w.r.src.Migrations[w.lo-1].Version))
		var me *shadow.MigrationError
		if errors.As(err, &me) && ctx.Err() == nil {
			w.unbuilt = true
			return nil
		}
	}
	if err != nil {
		return err
	}
	w.r.o.logger.Debug("verify: replaying", "migrations", w.hi-w.lo, "from", w.lo, "shadow", w.sh.Name(), "placement", w.sh.Placement())
	w.stopped, err = w.walk(ctx)
	return err
}

// walk checks the migrations of the walker's range in w.sh. stopped is true
// when one of them does not apply (the finding is recorded and t.applied
// set).
func (w *walker) walk(ctx context.Context) (stopped bool, err error) {
	migs, t := w.r.src.Migrations[:w.hi], &w.t
	for i := w.lo; i < len(migs); {
		m := migs[i]
		if m.Down == "" {
			j := i
			for ; j < len(migs) && migs[j].Down == ""; j++ {
				w.missingDown(migs[j])
				t.missing++
			}
			if err := w.sh.Migrate(ctx, w.r.src, source.V(migs[j-1].Version)); err != nil {
				return w.applyFailed(ctx, err, t)
			}
			i = j
			continue
		}
		before, err := w.inspectAt(ctx, i)
		if err != nil {
			return false, err
		}
		if err := w.observe(ctx, m); err != nil {
			return w.applyFailed(ctx, err, t)
		}
		t.checked++
		ok, err := w.checkDown(ctx, m, before)
		if err != nil {
			return false, err
		}
		if !ok {
			if err := w.rebuild(ctx, source.V(m.Version)); err != nil {
				return false, err
			}
		}
		i++
	}
	return false, nil
}

func (r *run) passed(t tally) {
	r.done(CheckApply, fmt.Sprintf("%s apply in order from an empty database", plural(len(r.src.Migrations), "migration")))
	r.done(CheckDown, downDetail(t.checked, t.missing, ""))
}

// stops closes the apply and down checks of a history that stops.
func (r *run) stops(t tally) {
	r.done(CheckApply, fmt.Sprintf("the history stops: %d of %d migrations apply", t.applied, len(r.src.Migrations)))
	r.done(CheckDown, downDetail(t.checked, t.missing, " before the history stops"))
}

func downDetail(checked, missing int, suffix string) string {
	s := fmt.Sprintf("%s checked: up, down, up again", plural(checked, "down migration"))
	if missing > 0 {
		has := "has"
		if missing > 1 {
			has = "have"
		}
		s += fmt.Sprintf("; %s %s no down file", plural(missing, "version"), has)
	}
	return s + suffix
}

// missingDown notes a version without a down file: an error of its own
// with WithRequireDown, else counted for missingDowns.
func (w *walker) missingDown(m source.Migration) {
	w.missing = append(w.missing, m)
	if w.r.o.requireDown {
		w.add(Finding{Check: CheckDown, Severity: SeverityError, File: w.r.o.file(m.Up),
			Message: fmt.Sprintf("no down migration: version %d cannot be rolled back", m.Version),
			Hint:    fmt.Sprintf("add %s that undoes it", downName(m.Up))})
	}
}

// missingDowns warns, in one finding, of the versions without a down file
// (unless WithRequireDown made each an error): an up-only history is
// common, and one line says it.
func (r *run) missingDowns(missing []source.Migration) {
	switch {
	case r.o.requireDown || len(missing) == 0:
		return
	case len(missing) == 1:
		m := missing[0]
		r.add(Finding{Check: CheckDown, Severity: SeverityWarning, File: r.o.file(m.Up),
			Message: fmt.Sprintf("no down migration: version %d cannot be rolled back", m.Version),
			Hint:    fmt.Sprintf("add %s that undoes it", downName(m.Up))})
		return
	}
	r.add(Finding{Check: CheckDown, Severity: SeverityWarning,
		Message: fmt.Sprintf("%d versions have no down file and cannot be rolled back: %s", len(missing),
			listSome(len(missing), func(i int) string { return missing[i].Up })),
		Hint: "add a .down.sql file to those that should be reversible (--require-down makes each missing one an error)"})
}

func downName(up string) string {
	if i := strings.LastIndex(up, ".up."); i >= 0 {
		return up[:i] + ".down." + up[i+len(".up."):]
	}
	return up
}

// applyFailed turns a failed up migration into the apply check's finding
// and reports that the history stops there, or returns err when it is not
// a migration's failure (the context ended, the connection broke, a file
// could not be read).
func (w *walker) applyFailed(ctx context.Context, err error, t *tally) (stopped bool, _ error) {
	f, ok := w.stepFinding(ctx, err, CheckApply, "")
	if !ok {
		return false, err
	}
	w.add(f)
	t.applied = len(w.r.src.Upto(source.None, w.sh.Version()))
	return true, nil
}

// stepFinding describes a migration file that failed in the shadow. ok is
// false when err is not such a failure.
func (w *walker) stepFinding(ctx context.Context, err error, c Check, prefix string) (Finding, bool) {
	var me *shadow.MigrationError
	if ctx.Err() != nil || !errors.As(err, &me) {
		return Finding{}, false
	}
	line, col := me.Line, me.Column
	if line == 0 {
		line, col = w.locate(ctx, me)
	}
	return Finding{Check: c, Severity: SeverityError, File: w.r.o.file(me.File), Line: line, Column: col,
		Message: prefix + pgMessage(me.Err), Hint: me.Hint()}, true
}

// locate finds where a failed file fails when PostgreSQL did not say (an
// error raised while executing, such as a foreign key to a missing table,
// carries no position): it runs the file's statements one at a time in a
// transaction that it rolls back, on the failed shadow, whose failed file
// left nothing behind (it ran as one implicit transaction). It returns the
// line and column of the statement that fails the same way (or of the error
// position within it), or zeros. Files that control their own transactions
// are not located: part of them may have been committed.
func (w *walker) locate(ctx context.Context, me *shadow.MigrationError) (line, col int) {
	var want *pgconn.PgError
	if !errors.As(me.Err, &want) {
		return 0, 0
	}
	body, err := w.r.src.Read(me.File)
	if err != nil || sqltext.TransactionControl(string(body)) {
		return 0, 0
	}
	text := string(body)
	conn := w.sh.Conn().PgConn()
	if _, err := conn.Exec(ctx, "BEGIN").ReadAll(); err != nil {
		return 0, 0
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK").ReadAll() }()
	for _, st := range sqltext.Split(text) {
		_, err := conn.Exec(ctx, st.Text).ReadAll()
		if err == nil {
			continue
		}
		var got *pgconn.PgError
		if !errors.As(err, &got) || got.Code != want.Code {
			return 0, 0
		}
		off := st.Offset
		if got.Position > 0 {
			off += sqltext.ByteOffset(st.Text, int(got.Position))
		} else if at, ok := nameIn(st.Text, got.Message); ok {
			off += at
		}
		return sqltext.LineCol(text, off)
	}
	return 0, 0
}

// pgMessage renders PostgreSQL's error as its message, detail and SQLSTATE.
func pgMessage(err error) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err.Error()
	}
	s := pgErr.Message
	if pgErr.Detail != "" {
		s += ": " + pgErr.Detail
	}
	return s + " (SQLSTATE " + pgErr.Code + ")"
}

// checkDown runs m's down file after its up file, compares the schema with
// before, and applies the up file again. ok is false when the shadow is no
// longer at m's version with the straight history's schema (a finding was
// recorded), and must be rebuilt.
func (w *walker) checkDown(ctx context.Context, m source.Migration, before *schema.Schema) (ok bool, err error) {
	down := source.Step{Version: m.Version, Name: m.Name, File: m.Down, Direction: source.Down, To: w.r.src.Prev(source.V(m.Version))}
	if err := w.sh.Step(ctx, w.r.src, down); err != nil {
		f, ok := w.stepFinding(ctx, err, CheckDown, "down migration fails: ")
		if !ok {
			return false, err
		}
		w.add(f)
		return false, nil
	}
	after, err := w.inspect(ctx)
	if err != nil {
		return false, err
	}
	changes := diff.Schemas(before, after)
	if enumValuesLeft(changes) {
		return w.enumLeft(ctx, m, changes)
	}
	if len(changes) > 0 {
		c := changes[0]
		where := ""
		if c.Table != "" {
			where = "in " + c.Table + ", "
		}
		more := ""
		if len(changes) > 1 {
			more = fmt.Sprintf(" (first of %d differences)", len(changes))
		}
		w.add(Finding{Check: CheckDown, Severity: SeverityError, File: w.r.o.file(m.Down), Object: c.Object,
			Message: fmt.Sprintf("does not undo %s: compared with the schema before it, %s%s%s", m.Up, where, c.Message, more),
			Hint:    `make the down file undo exactly what the up file does ("added": the down file leaves it behind; "removed": it drops what was there before)`})
		return false, nil
	}
	if err := w.sh.Step(ctx, w.r.src, source.UpStep(m)); err != nil {
		f, ok := w.stepFinding(ctx, err, CheckDown, fmt.Sprintf("fails when applied again after %s: ", m.Down))
		if !ok {
			return false, err
		}
		f.Hint = joinHints(f.Hint, "the down file leaves behind something the schema comparison does not cover (a function, trigger, sequence, type, extension, row…): make it undo everything the up file does")
		w.add(f)
		return false, nil
	}
	return true, nil
}

// enumValuesLeft reports whether changes, from the schema before an up file
// to the schema after its down file, are only enum values added: values
// the down file could not remove (PostgreSQL cannot drop an enum value).
func enumValuesLeft(changes []diff.Change) bool {
	for _, c := range changes {
		if c.Kind != diff.EnumValueAdded {
			return false
		}
	}
	return len(changes) > 0
}

// enumLeft judges a down file that leaves enum values behind (changes):
// when m's up file applies again on top of them, the history still goes up,
// down and up, and a warning says what stays; when it does not, that is the
// error. ok is as checkDown's.
func (w *walker) enumLeft(ctx context.Context, m source.Migration, changes []diff.Change) (ok bool, err error) {
	var values []string
	for _, c := range changes {
		values = append(values, c.Object)
	}
	left := strings.Join(values, ", ")
	if err := w.sh.Step(ctx, w.r.src, source.UpStep(m)); err != nil {
		f, ok := w.stepFinding(ctx, err, CheckDown, fmt.Sprintf("fails when applied again after %s, which leaves enum value %s behind: ", m.Down, left))
		if !ok {
			return false, err
		}
		f.Hint = joinHints(f.Hint, "PostgreSQL cannot drop an enum value: write the up file so it applies again (ALTER TYPE … ADD VALUE IF NOT EXISTS), or make the down file recreate the type without it")
		w.add(f)
		return false, nil
	}
	w.add(Finding{Check: CheckDown, Severity: SeverityWarning, File: w.r.o.file(m.Down), Object: changes[0].Object,
		Message: fmt.Sprintf("leaves enum value %s behind (PostgreSQL cannot drop an enum value); %s applies again after it", left, m.Up),
		Hint:    "nothing to do unless the value must go: a down file can only remove it by recreating the type"})
	return true, nil
}

// rebuild replaces the shadow with a new one at version, replayed from
// scratch.
func (w *walker) rebuild(ctx context.Context, version source.Version) error {
	old := w.sh
	w.sh = nil
	if err := old.Drop(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	sh, _, err := w.r.p.NewAt(ctx, w.r.src, version)
	if err != nil {
		return fmt.Errorf("verify: rebuild the shadow at version %s: %w", version, err)
	}
	w.sh = sh
	return nil
}

func joinHints(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

var quotedName = regexp.MustCompile(`"([^"]+)"`)

// nameIn finds, in a statement, the object PostgreSQL's message names first
// ("relation "accounts" does not exist"), when it is written there exactly
// once outside comments and strings: the byte offset of that occurrence.
func nameIn(stmt, message string) (int, bool) {
	m := quotedName.FindStringSubmatch(message)
	if m == nil {
		return 0, false
	}
	re, err := regexp.Compile(`(?i)(^|[^A-Za-z0-9_$."])` + regexp.QuoteMeta(m[1]) + `($|[^A-Za-z0-9_$"])`)
	if err != nil {
		return 0, false
	}
	found := re.FindAllStringSubmatchIndex(sqltext.Mask(stmt), 2)
	if len(found) != 1 {
		return 0, false
	}
	return found[0][3], true
}
