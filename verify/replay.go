package verify

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/diff"
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
// last migration, or nil when the history does not apply.
//
// For each version with a down file: inspect, up, down, inspect again and
// compare, then up again. The schema is read only where it is compared
// (before up, after down) and at the end. Consecutive versions without a
// down file are applied in one go (batched where their files allow). When a
// down check fails, the shadow is rebuilt at that version from scratch, so
// that one broken down file does not spill into the next versions' checks.
func (r *run) replay(ctx context.Context) (*schema.Schema, error) {
	sh, err := r.p.New(ctx)
	if err != nil {
		return nil, err
	}
	r.sh = sh
	r.o.logger.Debug("verify: replaying", "migrations", len(r.src.Migrations), "shadow", sh.Name(), "placement", sh.Placement())
	var t tally
	stopped, err := r.walk(ctx, &t)
	if err != nil {
		return nil, err
	}
	if stopped {
		r.stops(t)
		return nil, nil
	}
	final, err := r.inspectAt(ctx, len(r.src.Migrations))
	if err != nil {
		return nil, err
	}
	r.passed(t)
	return final, nil
}

// walk checks every migration in r.sh, from empty. stopped is true when one
// of them does not apply (the finding is recorded and t.applied set).
func (r *run) walk(ctx context.Context, t *tally) (stopped bool, err error) {
	migs := r.src.Migrations
	for i := 0; i < len(migs); {
		m := migs[i]
		if m.Down == "" {
			j := i
			for ; j < len(migs) && migs[j].Down == ""; j++ {
				r.missingDown(migs[j])
				t.missing++
			}
			if err := r.sh.Migrate(ctx, r.src, source.V(migs[j-1].Version)); err != nil {
				return r.applyFailed(ctx, err, t)
			}
			i = j
			continue
		}
		before, err := r.inspectAt(ctx, i)
		if err != nil {
			return false, err
		}
		if err := r.sh.Step(ctx, r.src, source.UpStep(m)); err != nil {
			return r.applyFailed(ctx, err, t)
		}
		t.checked++
		ok, err := r.checkDown(ctx, m, before)
		if err != nil {
			return false, err
		}
		if !ok {
			if err := r.rebuild(ctx, source.V(m.Version)); err != nil {
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

// missingDown reports a version without a down file.
func (r *run) missingDown(m source.Migration) {
	sev := SeverityWarning
	if r.o.requireDown {
		sev = SeverityError
	}
	r.add(Finding{Check: CheckDown, Severity: sev, File: r.o.file(m.Up),
		Message: fmt.Sprintf("no down migration: version %d cannot be rolled back", m.Version),
		Hint:    fmt.Sprintf("add %s that undoes it", downName(m.Up))})
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
func (r *run) applyFailed(ctx context.Context, err error, t *tally) (stopped bool, _ error) {
	f, ok := r.stepFinding(ctx, err, CheckApply, "")
	if !ok {
		return false, err
	}
	r.add(f)
	t.applied = len(r.src.Upto(source.None, r.sh.Version()))
	return true, nil
}

// stepFinding describes a migration file that failed in the shadow. ok is
// false when err is not such a failure.
func (r *run) stepFinding(ctx context.Context, err error, c Check, prefix string) (Finding, bool) {
	var me *shadow.MigrationError
	if ctx.Err() != nil || !errors.As(err, &me) {
		return Finding{}, false
	}
	line, col := me.Line, me.Column
	if line == 0 {
		line, col = r.locate(ctx, me)
	}
	return Finding{Check: c, Severity: SeverityError, File: r.o.file(me.File), Line: line, Column: col,
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
func (r *run) locate(ctx context.Context, me *shadow.MigrationError) (line, col int) {
	var want *pgconn.PgError
	if !errors.As(me.Err, &want) {
		return 0, 0
	}
	body, err := r.src.Read(me.File)
	if err != nil || sqltext.TransactionControl(string(body)) {
		return 0, 0
	}
	text := string(body)
	conn := r.sh.Conn().PgConn()
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
func (r *run) checkDown(ctx context.Context, m source.Migration, before *schema.Schema) (ok bool, err error) {
	down := source.Step{Version: m.Version, Name: m.Name, File: m.Down, Direction: source.Down, To: r.src.Prev(source.V(m.Version))}
	if err := r.sh.Step(ctx, r.src, down); err != nil {
		f, ok := r.stepFinding(ctx, err, CheckDown, "down migration fails: ")
		if !ok {
			return false, err
		}
		r.add(f)
		return false, nil
	}
	after, err := r.inspect(ctx)
	if err != nil {
		return false, err
	}
	if changes := diff.Schemas(before, after); len(changes) > 0 {
		c := changes[0]
		where := ""
		if c.Table != "" {
			where = "in " + c.Table + ", "
		}
		more := ""
		if len(changes) > 1 {
			more = fmt.Sprintf(" (first of %d differences)", len(changes))
		}
		r.add(Finding{Check: CheckDown, Severity: SeverityError, File: r.o.file(m.Down), Object: c.Object,
			Message: fmt.Sprintf("does not undo %s: compared with the schema before it, %s%s%s", m.Up, where, c.Message, more),
			Hint:    `make the down file undo exactly what the up file does ("added": the down file leaves it behind; "removed": it drops what was there before)`})
		return false, nil
	}
	if err := r.sh.Step(ctx, r.src, source.UpStep(m)); err != nil {
		f, ok := r.stepFinding(ctx, err, CheckDown, fmt.Sprintf("fails when applied again after %s: ", m.Down))
		if !ok {
			return false, err
		}
		f.Hint = joinHints(f.Hint, "the down file leaves behind something the schema comparison does not cover (a function, trigger, sequence, type, extension, row…): make it undo everything the up file does")
		r.add(f)
		return false, nil
	}
	return true, nil
}

// rebuild replaces the shadow with a new one at version, replayed from
// scratch.
func (r *run) rebuild(ctx context.Context, version source.Version) error {
	old := r.sh
	r.sh = nil
	if err := old.Drop(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	sh, _, err := r.p.NewAt(ctx, r.src, version)
	if err != nil {
		return fmt.Errorf("verify: rebuild the shadow at version %s: %w", version, err)
	}
	r.sh = sh
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
