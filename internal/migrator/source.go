// Package migrator is guard's adapter around golang-migrate. No golang-migrate
// type leaves this package.
//
// This file reads migration sources: a directory (file://dir or a bare path)
// or an fs.FS, named the way golang-migrate names them,
// {version}_{title}.up.{ext} and {version}_{title}.down.{ext}. Unlike
// golang-migrate, a .sql file whose name does not parse is an error rather
// than silently skipped, and duplicate versions are reported by file name.
package migrator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Migration is one version of a source: its up file and optional down file.
type Migration struct {
	Version uint64 `json:"version"`
	Name    string `json:"name"` // the title part of the file name
	Up      string `json:"up"`   // file name of the up migration
	Down    string `json:"down,omitempty"`
}

// Label returns the up file's name without its ".up.sql" suffix, e.g.
// "000004_rename_email".
func (m Migration) Label() string {
	if i := strings.Index(m.Up, ".up."); i > 0 {
		return m.Up[:i]
	}
	return m.Up
}

// Source is a parsed migration source. It is immutable and safe for
// concurrent use.
type Source struct {
	FS         fs.FS       // rooted at the migrations directory
	Name       string      // how the user named it, for messages
	Migrations []Migration // sorted by version, no duplicates
}

// fileRegex is golang-migrate's source.Regex.
var fileRegex = regexp.MustCompile(`^([0-9]+)_(.*)\.(down|up)\.(.*)$`)

// Open reads the source named by spec: "file://path" or a bare directory path.
func Open(spec string) (*Source, error) {
	dir := spec
	if rest, ok := strings.CutPrefix(spec, "file://"); ok {
		dir = rest
	} else if i := strings.Index(spec, "://"); i > 0 {
		return nil, &SourceError{Source: spec, Err: fmt.Errorf("unsupported source scheme %q", spec[:i]), Advice: "use file://DIR or a directory path"}
	}
	if dir == "" {
		return nil, &SourceError{Source: spec, Err: errors.New("empty path"), Advice: "use file://DIR or a directory path"}
	}
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &SourceError{Source: spec, Err: ErrNoDirectory, Advice: "pass --source file://DIR pointing at your migrations folder"}
		}
		return nil, &SourceError{Source: spec, Err: err}
	}
	if !st.IsDir() {
		return nil, &SourceError{Source: spec, Err: errors.New("not a directory"), Advice: "pass --source file://DIR pointing at your migrations folder"}
	}
	return Load(os.DirFS(dir), ".", spec)
}

// Load reads the migrations in directory dir of fsys (for example an
// embed.FS). name is how to refer to the source in messages.
func Load(fsys fs.FS, dir, name string) (*Source, error) {
	if fsys == nil {
		return nil, &SourceError{Source: name, Err: errors.New("nil fs.FS")}
	}
	sub := fsys
	if dir != "" && dir != "." {
		var err error
		if sub, err = fs.Sub(fsys, dir); err != nil {
			return nil, &SourceError{Source: name, Err: err}
		}
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &SourceError{Source: name, Err: ErrNoDirectory, Advice: "check the migrations directory name"}
		}
		return nil, &SourceError{Source: name, Err: err}
	}
	byVersion := map[uint64]*Migration{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		fn := e.Name()
		m := fileRegex.FindStringSubmatch(fn)
		if m == nil {
			if strings.HasSuffix(strings.ToLower(fn), ".sql") {
				return nil, &SourceError{Source: name, File: fn, Err: ErrSkippedFile,
					Advice: "name it {version}_{title}.up.sql or {version}_{title}.down.sql"}
			}
			continue // README, guard.sum and the like
		}
		v, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			return nil, &SourceError{Source: name, File: fn, Err: fmt.Errorf("version %s does not fit in 64 bits", m[1])}
		}
		mig := byVersion[v]
		if mig == nil {
			mig = &Migration{Version: v, Name: m[2]}
			byVersion[v] = mig
		}
		slot := &mig.Up
		if m[3] == "down" {
			slot = &mig.Down
		}
		if *slot != "" {
			return nil, &SourceError{Source: name, File: fn, Err: ErrDuplicateVersion,
				Advice: fmt.Sprintf("%s and %s both are version %d %s; renumber one", *slot, fn, v, m[3])}
		}
		*slot = fn
	}
	src := &Source{FS: sub, Name: name}
	for _, mig := range byVersion {
		if mig.Up == "" {
			return nil, &SourceError{Source: name, File: mig.Down, Err: ErrMissingUp, Advice: "add the matching .up.sql file or remove this one"}
		}
		if mig.Down != "" && titleOf(mig.Down) != titleOf(mig.Up) {
			return nil, &SourceError{Source: name, File: mig.Down, Err: ErrDuplicateVersion,
				Advice: fmt.Sprintf("%s and %s share version %d but not a title; renumber one", mig.Up, mig.Down, mig.Version)}
		}
		src.Migrations = append(src.Migrations, *mig)
	}
	if len(src.Migrations) == 0 {
		return nil, &SourceError{Source: name, Err: ErrEmpty, Advice: "add {version}_{title}.up.sql files, or point --source at the right folder"}
	}
	slices.SortFunc(src.Migrations, func(a, b Migration) int {
		switch {
		case a.Version < b.Version:
			return -1
		case a.Version > b.Version:
			return 1
		}
		return 0
	})
	return src, nil
}

func titleOf(file string) string {
	return fileRegex.FindStringSubmatch(file)[2]
}

// Head returns the highest version in the source.
func (s *Source) Head() uint64 { return s.Migrations[len(s.Migrations)-1].Version }

// Find returns the migration with the given version and whether it exists.
func (s *Source) Find(version uint64) (Migration, bool) {
	i, ok := slices.BinarySearchFunc(s.Migrations, version, func(m Migration, v uint64) int {
		switch {
		case m.Version < v:
			return -1
		case m.Version > v:
			return 1
		}
		return 0
	})
	if !ok {
		return Migration{}, false
	}
	return s.Migrations[i], true
}

// Upto returns the migrations with versions in (from, to], in order.
func (s *Source) Upto(from, to uint64) []Migration {
	var out []Migration
	for _, m := range s.Migrations {
		if m.Version > from && m.Version <= to {
			out = append(out, m)
		}
	}
	return out
}

// Read returns the contents of a file of the source.
func (s *Source) Read(file string) ([]byte, error) {
	b, err := fs.ReadFile(s.FS, path.Clean(file))
	if err != nil {
		return nil, &SourceError{Source: s.Name, File: file, Err: err}
	}
	return b, nil
}
