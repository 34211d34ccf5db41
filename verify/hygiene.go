package verify

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode"

	"github.com/schemaguard/guard/internal/migrator"
)

// loadSource reads the migrations. A file golang-migrate would skip, a
// duplicate version or a down file without its up is a hygiene error; the
// file is then left out and the rest is verified as golang-migrate would
// see it without that file. r.src stays nil when nothing usable is left.
func (r *run) loadSource() error {
	hidden := map[string]bool{}
	for {
		src, err := migrator.Load(hiddenFS{r.fsys, hidden}, ".", r.o.sourceDir)
		var se *migrator.SourceError
		switch {
		case err == nil:
			r.src = src
			return nil
		case errors.As(err, &se) && se.File != "" && !hidden[se.File] &&
			(errors.Is(err, migrator.ErrSkippedFile) || errors.Is(err, migrator.ErrDuplicateVersion) || errors.Is(err, migrator.ErrMissingUp)):
			r.add(Finding{Check: CheckHygiene, Severity: SeverityError, File: r.o.file(se.File), Message: se.Err.Error(), Hint: se.Advice})
			hidden[se.File] = true
		case errors.Is(err, migrator.ErrEmpty) && len(hidden) > 0:
			r.done(CheckHygiene, "no migration left once the files above are set aside")
			return nil
		default:
			return err
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

// hygiene reports gaps in sequential versions and statements that cannot
// run inside a transaction block in a file with other statements.
func (r *run) hygiene() error {
	migs := r.src.Migrations
	if migs[len(migs)-1].Version < sequentialLimit {
		for i := 1; i < len(migs); i++ {
			prev, m := migs[i-1].Version, migs[i].Version
			if m == prev+1 {
				continue
			}
			missing := fmt.Sprint(prev + 1)
			if m > prev+2 {
				missing = fmt.Sprintf("%d to %d are", prev+1, m-1)
			} else {
				missing += " is"
			}
			r.add(Finding{Check: CheckHygiene, Severity: SeverityWarning, File: r.o.file(migs[i].Up),
				Message: fmt.Sprintf("version %d follows %d: %s missing", m, prev, missing),
				Hint:    "golang-migrate does not mind, but a gap is often a migration lost in a merge; renumber if this one is not released yet"})
		}
	}
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
			stmts := migrator.Split(string(body))
			if len(stmts) < 2 {
				continue
			}
			for _, st := range stmts {
				what, ok := outsideTransaction(st.Text)
				if !ok {
					continue
				}
				line, col := position(string(body), st.Offset)
				r.add(Finding{Check: CheckHygiene, Severity: SeverityError, File: r.o.file(name), Line: line, Column: col,
					Message: fmt.Sprintf("%s cannot run inside a transaction block, and golang-migrate runs the %d statements of this file as one", what, len(stmts)),
					Hint:    "move it to a migration file of its own, as its only statement"})
			}
		}
	}
	if _, ok := r.status[CheckHygiene]; !ok {
		r.done(CheckHygiene, fmt.Sprintf("%s: names, versions, statements", plural(files, "file")+" checked"))
	}
	return nil
}

// outsideTransaction reports whether PostgreSQL refuses a statement inside
// a transaction block, and names it (e.g. "CREATE INDEX CONCURRENTLY").
func outsideTransaction(stmt string) (string, bool) {
	clean := migrator.Statements(stmt)
	if len(clean) == 0 {
		return "", false
	}
	w := strings.FieldsFunc(strings.ToLower(clean[0]), func(r rune) bool {
		return unicode.IsSpace(r) || r == '(' || r == ')' || r == ','
	})
	if len(w) == 0 {
		return "", false
	}
	at := func(i int) string {
		if i < len(w) {
			return w[i]
		}
		return ""
	}
	name := func(n int) string { return strings.ToUpper(strings.Join(w[:min(n, len(w))], " ")) }
	switch w[0] {
	case "vacuum":
		return "VACUUM", true
	case "create", "drop":
		switch at(1) {
		case "database", "tablespace", "subscription":
			return name(2), true
		case "index":
			if at(2) == "concurrently" {
				return name(3), true
			}
		case "unique":
			if at(2) == "index" && at(3) == "concurrently" {
				return name(4), true
			}
		}
	case "alter":
		if at(1) == "system" {
			return "ALTER SYSTEM", true
		}
		if at(1) == "table" && slices.Contains(w, "detach") && slices.Contains(w, "concurrently") {
			return "ALTER TABLE … DETACH PARTITION … CONCURRENTLY", true
		}
	case "reindex":
		if slices.Contains(w, "concurrently") {
			return "REINDEX … CONCURRENTLY", true
		}
		if at(1) == "database" || at(1) == "system" || at(1) == "schema" {
			return name(2), true
		}
	case "cluster":
		if len(w) == 1 {
			return "CLUSTER", true
		}
	case "discard":
		if at(1) == "all" {
			return "DISCARD ALL", true
		}
	}
	return "", false
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
