package verify

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/sqltext"
)

// LoadSource reads the migrations in directory dir of fsys (for example
// os.DirFS("."), "migrations"; name is how messages refer to them) for Run,
// as source.Load does, except that the files source.Load refuses and
// golang-migrate would get wrong — a .sql file whose name golang-migrate
// silently skips (source.ErrSkippedFile), a second file of one version
// (source.ErrDuplicateVersion), a down file without its up
// (source.ErrMissingUp) — are set aside: the source holds the rest, as
// golang-migrate would see it without them, and its FS still holds them,
// so that Run reports each as a hygiene error. It fails as source.Load does
// otherwise, and with the first file set aside (a *source.Error) when no
// migration is left without them.
func LoadSource(fsys fs.FS, dir, name string) (*source.Source, error) {
	if fsys == nil {
		return source.Load(nil, dir, name)
	}
	if dir != "" && dir != "." {
		sub, err := fs.Sub(fsys, dir)
		if err != nil {
			return nil, &source.Error{Source: name, Err: err}
		}
		fsys = sub
	}
	src, refused, err := load(fsys, name)
	switch {
	case err != nil:
		return nil, err
	case src == nil:
		return nil, refused[0]
	}
	src.FS = fsys
	return src, nil
}

// load reads the migrations at the root of fsys as source.Load does,
// setting aside each file it refuses as LoadSource says. src is nil when
// no migration is left without them.
func load(fsys fs.FS, name string) (src *source.Source, refused []*source.Error, err error) {
	hidden := map[string]bool{}
	for {
		src, err := source.Load(hiddenFS{fsys, hidden}, ".", name)
		var se *source.Error
		switch {
		case err == nil:
			return src, refused, nil
		case errors.As(err, &se) && se.File != "" && !hidden[se.File] &&
			(errors.Is(err, source.ErrSkippedFile) || errors.Is(err, source.ErrDuplicateVersion) || errors.Is(err, source.ErrMissingUp)):
			refused = append(refused, se)
			hidden[se.File] = true
		case errors.Is(err, source.ErrEmpty) && len(hidden) > 0:
			return nil, refused, nil
		default:
			return nil, nil, err
		}
	}
}

// hiddenFS is an fs.FS without some files of its root directory.
type hiddenFS struct {
	fs.FS
	hidden map[string]bool
}

func (h hiddenFS) Open(name string) (fs.File, error) {
	if h.hidden[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return h.FS.Open(name)
}

func (h hiddenFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(h.FS, name)
	if err != nil || name != "." {
		return entries, err
	}
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return h.hidden[e.Name()] }), nil
}

// sequentialLimit: versions at or above it are timestamps (Unix seconds,
// or yyyymmddhhmmss), where gaps mean nothing.
const sequentialLimit = 1_000_000_000

// hygiene reports the files of the migrations folder that the source sets
// aside (see LoadSource), gaps in sequential versions, and statements that
// cannot run inside a transaction block in a file with other statements.
func (r *run) hygiene() error {
	_, refused, err := load(r.src.FS, r.src.Name)
	if err != nil {
		return err
	}
	for _, se := range refused {
		r.add(Finding{Check: CheckHygiene, Severity: SeverityError, File: r.o.file(se.File), Message: se.Err.Error(), Hint: se.Advice})
	}
	migs := r.src.Migrations
	r.titles(migs)
	r.gaps(migs)
	files := 0
	for _, m := range migs {
		for _, name := range []string{m.Up, m.Down} {
			if name == "" {
				continue
			}
			body, err := r.src.Read(name)
			if err != nil {
				return err
			}
			files++
			if line, col, ok := sqltext.NUL(string(body)); ok {
				r.add(Finding{Check: CheckHygiene, Severity: SeverityError, File: r.o.file(name), Line: line, Column: col,
					Message: "NUL byte (0x00) in the file: PostgreSQL cannot receive it in a query",
					Hint:    "remove it; a file saved as UTF-16 has one in every other byte: save it as UTF-8"})
			}
			stmts := sqltext.Split(string(body))
			if len(stmts) < 2 {
				continue
			}
			for _, st := range stmts {
				what, ok := sqltext.NoTransaction(st.Text)
				if !ok {
					continue
				}
				line, col := sqltext.LineCol(string(body), st.Offset)
				r.add(Finding{Check: CheckHygiene, Severity: SeverityError, File: r.o.file(name), Line: line, Column: col,
					Message: fmt.Sprintf("%s cannot run inside a transaction block, and golang-migrate runs the %d statements of this file as one", what, len(stmts)),
					Hint:    "move it to a migration file of its own, as its only statement"})
			}
		}
	}
	r.done(CheckHygiene, fmt.Sprintf("%s: names, versions, statements", plural(files, "file")+" checked"))
	return nil
}

// gaps warns, in one finding, of gaps in sequential versions: a gap is
// often a migration lost in a merge. It says nothing when gaps are the
// history's pattern: timestamp versions (see sequentialLimit), or versions
// that skip more often than they follow one another (10, 20, 30; dates
// as yyyymmdd).
func (r *run) gaps(migs []source.Migration) {
	if migs[len(migs)-1].Version >= sequentialLimit {
		return
	}
	type gap struct{ prev, next uint64 }
	var found []gap
	for i := 1; i < len(migs); i++ {
		if prev, m := migs[i-1].Version, migs[i].Version; m != prev+1 {
			found = append(found, gap{prev, m})
		}
	}
	if len(found) == 0 || 2*len(found) > len(migs)-1 {
		return
	}
	hint := "golang-migrate does not mind, but a gap is often a migration lost in a merge; renumber if this one is not released yet"
	if len(found) == 1 {
		g := found[0]
		missing := fmt.Sprint(g.prev+1) + " is"
		if g.next > g.prev+2 {
			missing = fmt.Sprintf("%d to %d are", g.prev+1, g.next-1)
		}
		m, _ := r.src.Find(source.V(g.next))
		r.add(Finding{Check: CheckHygiene, Severity: SeverityWarning, File: r.o.file(m.Up),
			Message: fmt.Sprintf("version %d follows %d: %s missing", g.next, g.prev, missing), Hint: hint})
		return
	}
	r.add(Finding{Check: CheckHygiene, Severity: SeverityWarning,
		Message: fmt.Sprintf("%d gaps in the sequence of versions: %s", len(found), listSome(len(found), func(i int) string {
			return fmt.Sprintf("%d follows %d", found[i].next, found[i].prev)
		})),
		Hint: "golang-migrate does not mind, but a gap is often a migration lost in a merge; renumber those not released yet"})
}

// titles notes, in one warning, the versions whose up and down files have
// different titles (2_add_c.up.sql, 2_drop_c.down.sql): golang-migrate pairs
// them by version, and so does guard, but a mismatch is often a slip.
func (r *run) titles(migs []source.Migration) {
	var odd []source.Migration
	for _, m := range migs {
		if m.Down != "" && m.DownTitle() != m.Name {
			odd = append(odd, m)
		}
	}
	switch len(odd) {
	case 0:
		return
	case 1:
		m := odd[0]
		r.add(Finding{Check: CheckHygiene, Severity: SeverityWarning, File: r.o.file(m.Down),
			Message: fmt.Sprintf("the down file of %s has another title (%q, not %q); it is paired by version, as golang-migrate pairs it", m.Up, m.DownTitle(), m.Name),
			Hint:    "rename it to " + downName(m.Up) + " if the titles were meant to match"})
		return
	}
	r.add(Finding{Check: CheckHygiene, Severity: SeverityWarning,
		Message: fmt.Sprintf("%d versions have up and down files of different titles (%s); they are paired by version, as golang-migrate pairs them", len(odd), listSome(len(odd), func(i int) string { return odd[i].Up + " / " + odd[i].Down })),
		Hint:    "rename the down files to match their up files if the titles were meant to match"})
}

// listSome lists the first three of n items, and how many more there are.
func listSome(n int, item func(int) string) string {
	var parts []string
	for i := 0; i < n && i < 3; i++ {
		parts = append(parts, item(i))
	}
	s := strings.Join(parts, ", ")
	if n > 3 {
		s += fmt.Sprintf(" and %d more", n-3)
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
