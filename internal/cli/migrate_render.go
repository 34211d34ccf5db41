package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/schemaguard/guard/guard"
	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
)

// progress prints a line per migration file as it runs: on stdout in text
// mode, on stderr with --format json (stdout then holds only the JSON).
func (p *printer) progress(g *globals) func(guard.Event) {
	w := p.w
	if p.json {
		w = g.stderr
	}
	out := func(format string, args ...any) { fmt.Fprint(w, g.scrub(fmt.Sprintf(format, args...))) }
	return func(e guard.Event) {
		switch e.Kind {
		case guard.EventLockWait:
			out("waiting for %s's migration lock, held by %s\n", e.Lock, holderText(e.Holder))
		case guard.EventLocked:
			out("got guard's migration lock after %s\n", durText(e.Duration))
		case guard.EventStepStart:
			arrow := "→"
			if e.Step.Direction == guard.Down {
				arrow = "←"
			}
			out("%s %s ... ", arrow, stepName(e.Step))
		case guard.EventStepDone:
			out("%s (%s)\n", p.paint(green, "ok"), durText(e.Duration))
		case guard.EventStepRetry:
			out("%s (attempt %d); retrying in %s\n", p.paint(yellow, "lock_timeout"), e.Attempt, durText(e.Wait))
		case guard.EventStepFailed:
			out("%s\n", p.paint(red, "FAILED"))
		}
	}
}

func stepName(s guard.Step) string {
	if s.Direction == guard.Down {
		return s.Label() + " (down)"
	}
	return s.Label()
}

func holderText(h *guard.LockHolder) string {
	if h == nil {
		return "another session"
	}
	return fmt.Sprintf("pid %d (%s)", h.PID, h.ApplicationName)
}

func durText(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

// failure renders what an error of the migrate commands carries (the
// blocked plan, the diagnosis of a dirty database) and picks the exit code.
func (p *printer) failure(err error) error {
	var blocked *guard.BlockedError
	var dirty *guard.DirtyError
	var re *guard.RecoverError
	var me *guard.MigrationError
	var dl *guard.DataLossError
	switch {
	case errors.As(err, &blocked):
		if p.json {
			_ = p.JSON(failedPlan{blocked.Plan, errorBody(err, ExitBlocked, p.scrub)})
		} else {
			p.plan(blocked.Plan)
		}
		return &exitError{code: ExitBlocked, err: err}
	case errors.As(err, &dirty):
		if p.json {
			_ = p.JSON(map[string]any{"version": dirty.Version, "dirty": true, "diagnosis": dirty.Diagnosis, "error": errorBody(err, ExitDirty, p.scrub)})
		} else if dirty.Diagnosis != nil {
			p.diagnosis(dirty.Diagnosis, "")
		}
		return &exitError{code: ExitDirty, err: err}
	case errors.As(err, &re):
		if p.json {
			_ = p.JSON(map[string]any{"dirty": true, "recovered": false, "diagnosis": re.Diagnosis, "error": errorBody(err, ExitDirty, p.scrub)})
		} else {
			p.diagnosis(re.Diagnosis, "")
		}
		return &exitError{code: ExitDirty, err: err}
	case errors.As(err, &me) && me.Dirty:
		if me.Diagnosis != nil && !p.json {
			p.diagnosis(me.Diagnosis, "")
		}
		return &exitError{code: ExitDirty, err: err}
	case errors.As(err, &dl):
		if p.json {
			_ = p.JSON(failedPlan{dl.Plan, errorBody(err, ExitError, p.scrub)})
		} else {
			p.plan(dl.Plan)
		}
	}
	return err
}

// failedPlan is the plan of a refused move, with the error object.
type failedPlan struct {
	*guard.Plan
	Error ErrorBody `json:"error"`
}

// result renders what up, down and goto did.
func (p *printer) result(g *globals, res *guard.Result, err error) error {
	if err != nil {
		return p.failure(err)
	}
	warn := func(s string) { fmt.Fprintln(g.stderr, g.scrub(p.paint(yellow, "warning: ")+s)) }
	if res.AllowedBreaking {
		fmt.Fprintln(g.stderr, g.scrub(p.paint(red+bold, "WARNING: the contract blocks these changes; they were applied anyway because of --allow-breaking:")))
		(&printer{w: g.stderr, color: p.color, scrub: p.scrub}).report(res.Plan.Contract.Filter(blockedTables(res.Plan.Contract)), "  ")
	}
	for _, w := range res.Warnings {
		if !res.AllowedBreaking || !strings.Contains(w, "breaking changes were allowed") {
			warn(w)
		}
	}
	if p.json {
		return p.JSON(res)
	}
	if len(res.Applied) == 0 {
		p.Printf("Nothing to apply: database at version %s (head %s).\n", res.Version, res.Plan.Head)
		return nil
	}
	var total float64
	for _, a := range res.Applied {
		total += a.DurationMS
	}
	p.Printf("Applied %s in %s: database at version %s.\n", plural(len(res.Applied), "migration"),
		durText(time.Duration(total*float64(time.Millisecond))), res.Version)
	p.appliedHazards(res)
	if len(res.Promoted) > 0 {
		p.Printf("Contract: safe changes of %s promoted (auto mode) into %s.\n", strings.Join(res.Promoted, ", "), g.contractPath)
	}
	return nil
}

func blockedTables(r *contract.Report) []string {
	var out []string
	for _, tr := range r.Tables {
		if tr.Blocked {
			out = append(out, tr.Table)
		}
	}
	return out
}

// plan renders a plan.
func (p *printer) plan(pl *guard.Plan) {
	p.Printf("Database %s: version %s (head %s)\n", pl.Database, pl.Version, pl.Head)
	for _, w := range pl.Warnings {
		if !strings.HasPrefix(w, "history drift") {
			p.Printf("%s %s\n", p.paint(yellow, "warning:"), w)
		}
	}
	if len(pl.Steps) == 0 {
		p.Printf("Nothing to apply.\n")
		return
	}
	if s := pl.Shadow; s != nil {
		how := "replayed"
		if s.Warm {
			how = "copied from the cache"
		}
		took := durText(time.Duration(s.BuildMS * float64(time.Millisecond)))
		switch {
		case s.Start == guard.StartLiveCopy:
			why := strings.TrimSuffix(s.StartReason, ": planned on a copy of the live schema")
			p.Printf("Shadow database (%s): planned on a copy of the live schema (%s), made in %s\n", s.Placement, why, took)
		default:
			p.Printf("Shadow database (%s): history %s in %s\n", s.Placement, how, took)
			if s.StartReason != "" {
				p.Printf("%s %s\n", p.paint(yellow, "warning:"), s.StartReason)
			}
		}
	}
	p.Printf("\n")
	if len(pl.HistoryDrift) == 0 {
		p.Printf("History drift: none\n")
	} else {
		p.Printf("%s the live schema differs from what the applied migrations produce:\n", p.paint(yellow, "History drift:"))
		p.changes(pl.HistoryDrift, "  ")
	}
	p.Printf("\nPlan: %s %s → %s (%s)\n", pl.Direction, pl.Version, pl.Target, plural(len(pl.Steps), "migration"))
	n := map[diff.Impact]int{}
	for _, st := range pl.Steps {
		p.Printf("  %s\n", p.paint(bold, stepName(st.Step)))
		p.report(st.Changes, "    ")
		p.hazards(st.Hazards, "    ")
		for _, tr := range st.Changes.Tables {
			for _, it := range tr.Items {
				n[it.Impact]++
			}
		}
	}
	p.Printf("\nContract (%s mode):\n", pl.Contract.Mode)
	if len(pl.Contract.Tables) == 0 {
		p.Printf("  No change to locked tables.\n")
	} else {
		p.report(pl.Contract, "  ")
	}
	var parts []string
	for _, i := range []diff.Impact{diff.Breaking, diff.Risky, diff.Safe} {
		if n[i] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[i], i))
		}
	}
	changes := "no schema change"
	if len(parts) > 0 {
		changes = strings.Join(parts, ", ")
	}
	if pl.DataLoss {
		changes += "; drops tables or columns"
	}
	if pl.Blocked {
		p.Printf("\n%s %s; nothing would be applied.\n", p.paint(red, "✗ Blocked by the contract:"), summary(pl.Contract))
		return
	}
	if p.hazardsBlocked(pl) {
		return
	}
	p.Printf("\n%s would apply %s (%s).\n", p.paint(green, "✓"), plural(len(pl.Steps), "migration"), changes)
}

// changes renders a list of changes, one a line.
func (p *printer) changes(cs []diff.Change, indent string) {
	last := ""
	for _, c := range cs {
		name, kind := c.Subject()
		if label := subjectLabel(kind) + " " + name; label != last {
			p.Printf("%s%s\n", indent, p.paint(bold, label))
			last = label
		}
		p.Printf("%s  %s  %s: %s\n", indent, p.impactLabel(c.Impact), c.Kind, c.Message)
	}
}

// diagnosis renders what a dirty database's schema matches.
func (p *printer) diagnosis(d *guard.Diagnosis, indent string) {
	p.Printf("%sDatabase dirty at version %s: %s\n", indent, d.Version, d.Message)
	for _, c := range d.Candidates {
		state := p.paint(green, "matches")
		switch {
		case c.Unreachable != "":
			state = "unreachable: " + c.Unreachable
		case !c.Matches:
			state = fmt.Sprintf("%s; the live schema has, beyond it:", plural(len(c.Differences), "difference"))
		}
		p.Printf("%s  version %s (if %s): %s\n", indent, c.Version, c.Meaning, state)
		p.changes(c.Differences, indent+"    ")
	}
}

// status renders the state of the database.
func (p *printer) status(st *guard.Status) {
	state := p.paint(green, "clean")
	if st.Dirty {
		state = p.paint(red, "DIRTY")
	}
	p.Printf("Database %s: version %s (head %s), %s\n", st.Database, st.Version, st.Head, state)
	for _, w := range st.Warnings {
		p.Printf("%s %s\n", p.paint(yellow, "warning:"), w)
	}
	if st.Diagnosis != nil {
		p.diagnosis(st.Diagnosis, "")
	}
	if !st.Dirty && !st.Ahead {
		if len(st.Pending) == 0 {
			p.Printf("Pending: none\n")
		} else {
			p.Printf("Pending: %s\n", plural(len(st.Pending), "migration"))
			for _, m := range st.Pending {
				p.Printf("  %s\n", strings.TrimSuffix(m.Up, ".up.sql"))
			}
		}
		switch {
		case !st.DriftChecked:
			p.Printf("History drift: not checked (--drift builds a shadow database to check it)\n")
		case len(st.HistoryDrift) == 0:
			p.Printf("History drift: none\n")
		default:
			p.Printf("%s the live schema differs from what the applied migrations produce:\n", p.paint(yellow, "History drift:"))
			p.changes(st.HistoryDrift, "  ")
		}
	}
	if len(st.Contract.Tables) == 0 {
		p.Printf("Contract (%s mode): no drift\n", st.Contract.Mode)
	} else {
		p.Printf("Contract (%s mode): %s\n", st.Contract.Mode, summary(st.Contract))
		p.report(st.Contract, "  ")
	}
	if e := st.Enforcement; e != nil {
		sync := "in sync with the contract file"
		if !e.InSync {
			sync = p.paint(red, "NOT in sync with the contract file") + " (guard contract enforce sync)"
		}
		p.Printf("Enforced in the database: %s (%s mode), %s\n", enforcedCount(e.Tables), e.Mode, sync)
	}
	for _, e := range st.Edited {
		p.Printf("%s %s changed since it was applied (sha256 %s, now %s)\n", p.paint(red, "Edited:"), e.File, e.Recorded, e.Current)
	}
	if h := st.LastApplied; h != nil {
		what := h.Direction + " " + h.Version.String()
		if h.Name != "" {
			what += " (" + h.Name + ")"
		}
		p.Printf("Last by guard: %s at %s by %s on %s, in %s\n", what, h.AppliedAt.UTC().Format(time.RFC3339), h.AppliedBy, h.ClientHost,
			durText(time.Duration(h.DurationMS*float64(time.Millisecond))))
	}
}
