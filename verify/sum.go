package verify

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sumfile"
)

// checkSum compares the migration files with the sum file. A recorded file
// that was edited or removed is an error; so is a file the sum does not
// list whose version is below the newest recorded one (out of order: a
// database already past it would never run it). Files above the newest
// recorded version are new migrations and pass. A down file added to a
// recorded version is a warning. No sum file is a warning.
func (r *run) checkSum() error {
	name, shown := r.o.sumFile, r.o.file(r.o.sumFile)
	f, err := sumfile.Read(r.src.FS, name)
	var pe *sumfile.ParseError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.add(Finding{Check: CheckSum, Severity: SeverityWarning, File: shown,
			Message: fmt.Sprintf("no %s: edits to released migrations go unnoticed", name),
			Hint:    "run `guard migrate hash` and commit the sum file it writes"})
		r.done(CheckSum, "no sum file")
		return nil
	case errors.As(err, &pe):
		r.add(Finding{Check: CheckSum, Severity: SeverityError, File: shown, Line: pe.Line, Message: pe.Reason, Hint: pe.Hint()})
		r.done(CheckSum, "the sum file cannot be read")
		return nil
	case err != nil:
		return fmt.Errorf("verify: read %s: %w", shown, err)
	}

	type file struct {
		name    string
		version uint64
		down    bool
		digest  string
	}
	var files []file
	present := map[string]string{}
	for _, m := range r.src.Migrations {
		for _, fn := range []string{m.Up, m.Down} {
			if fn == "" {
				continue
			}
			b, err := r.src.Read(fn)
			if err != nil {
				return err
			}
			d := sumfile.Digest(b)
			files = append(files, file{fn, m.Version, fn == m.Down, d})
			present[fn] = d
		}
	}

	recorded := map[uint64]bool{}
	matched := 0
	for _, e := range f.Entries {
		recorded[e.Version] = true
		d, ok := present[e.File]
		switch {
		case !ok:
			r.add(Finding{Check: CheckSum, Severity: SeverityError, File: shown, Line: e.Line,
				Message: fmt.Sprintf("%s is recorded but no longer exists", e.File),
				Hint:    "released migrations must stay (databases ran them): restore it from version control; if it was never released, run `guard migrate hash`"})
		case d != e.Sum:
			r.add(Finding{Check: CheckSum, Severity: SeverityError, File: r.o.file(e.File),
				Message: fmt.Sprintf("edited after it was recorded in %s", name),
				Hint:    "databases that ran it will not run it again: revert the edit and write a new migration; if it was never released, run `guard migrate hash`"})
		default:
			matched++
		}
	}
	if f.Chain() != f.Total {
		r.add(Finding{Check: CheckSum, Severity: SeverityError, File: shown, Line: f.TotalLine,
			Message: "the total does not match the entries: the sum file was edited by hand",
			Hint:    "run `guard migrate hash` to write it again (and review what changed)"})
	}

	head := source.None
	if h, ok := f.Head(); ok {
		head = source.V(h)
	}
	added := 0
	var downsAdded []string // down files added to recorded versions
	for _, fl := range files {
		if _, ok := f.Find(fl.name); ok {
			continue
		}
		switch {
		case head.Less(source.V(fl.version)):
			added++
		case recorded[fl.version] && fl.down:
			downsAdded = append(downsAdded, fl.name)
		default:
			r.add(Finding{Check: CheckSum, Severity: SeverityError, File: r.o.file(fl.name),
				Message: fmt.Sprintf("out of order: version %d is below %s, the newest in %s, so a database already there would never run it", fl.version, head, name),
				Hint:    fmt.Sprintf("renumber it above %s (`guard migrate create` numbers new migrations), then run `guard migrate hash`", head)})
		}
	}
	// One warning for all the down files added since (a history that
	// gains down files gains them by the dozen): the file itself when
	// there is one.
	switch n := len(downsAdded); {
	case n == 1:
		v, _, _ := sumfile.Parts(downsAdded[0])
		r.add(Finding{Check: CheckSum, Severity: SeverityWarning, File: r.o.file(downsAdded[0]),
			Message: fmt.Sprintf("down file added to version %d after it was recorded in %s", v, name),
			Hint:    "run `guard migrate hash` to record it"})
	case n > 1:
		list := downsAdded
		if len(list) > 5 {
			list = append(slices.Clone(list[:5]), "…")
		}
		r.add(Finding{Check: CheckSum, Severity: SeverityWarning, File: shown,
			Message: fmt.Sprintf("%d down files added to versions after they were recorded in %s: %s", n, name, strings.Join(list, ", ")),
			Hint:    "run `guard migrate hash` to record them"})
	}
	detail := fmt.Sprintf("%d of %s match %s", matched, plural(len(f.Entries), "recorded file"), name)
	if matched == len(f.Entries) {
		detail = fmt.Sprintf("%s match %s", plural(matched, "recorded file"), name)
	}
	if added > 0 {
		detail += fmt.Sprintf("; %s newer than its head, not recorded yet", plural(added, "file"))
	}
	r.done(CheckSum, detail)
	return nil
}
