package source

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Direction is the way a migration file goes.
type Direction string

// The two directions.
const (
	Up   Direction = "up"
	Down Direction = "down"
)

// Migration is one version of a source: its up file and optional down file.
type Migration struct {
	Version uint64 `json:"version"`
	Name    string `json:"name"` // the title part of the up file's name
	Up      string `json:"up"`   // file name of the up migration
	// Down is the file name of the down migration, "" when there is none.
	// Its title may differ from the up file's (see DownTitle).
	Down string `json:"down,omitempty"`
}

// Label returns the up file's name without its ".up.sql" suffix, e.g.
// "000004_rename_email".
func (m Migration) Label() string { return Label(m.Up) }

// DownTitle returns the title part of the down file's name: "" without a
// down file. golang-migrate pairs files by version alone, so it may differ
// from Name (2_add_c.up.sql, 2_drop_c.down.sql).
func (m Migration) DownTitle() string {
	f, ok, _ := ParseFileName(m.Down)
	if !ok {
		return ""
	}
	return f.Title
}

// File returns the migration's file going in direction d: "" for a down
// migration without file.
func (m Migration) File(d Direction) string {
	if d == Down {
		return m.Down
	}
	return m.Up
}

// Label returns a migration file's name without its ".up.…" or ".down.…"
// suffix, e.g. "000004_rename_email".
func Label(file string) string {
	for _, suffix := range []string{".up.", ".down."} {
		if i := strings.Index(file, suffix); i > 0 {
			return file[:i]
		}
	}
	return file
}

// Source is a parsed migration source. It is immutable and safe for
// concurrent use.
type Source struct {
	FS         fs.FS       // rooted at the migrations directory
	Name       string      // how the user named it, for messages
	Migrations []Migration // sorted by version, no duplicates, never empty
}

// FileName is a migration file's name, parsed the way golang-migrate parses
// it (its source.Regex: {version}_{title}.{up|down}.{ext}).
type FileName struct {
	Version   uint64
	Title     string
	Direction Direction
	Ext       string
}

// fileRegex is golang-migrate's source.Regex.
var fileRegex = regexp.MustCompile(`^([0-9]+)_(.*)\.(down|up)\.(.*)$`)

// ParseFileName parses a migration file's name. ok is false for a name
// golang-migrate does not read as a migration; err is set for one whose
// version does not fit in 64 bits.
func ParseFileName(name string) (f FileName, ok bool, err error) {
	m := fileRegex.FindStringSubmatch(name)
	if m == nil {
		return FileName{}, false, nil
	}
	v, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		return FileName{}, true, fmt.Errorf("version %s does not fit in 64 bits", m[1])
	}
	return FileName{Version: v, Title: m[2], Direction: Direction(m[3]), Ext: m[4]}, true, nil
}

// Open reads the source named by spec: "file://path" or a bare directory
// path. It fails with *Error, as Load does.
func Open(spec string) (*Source, error) {
	dir, err := Dir(spec)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Source: spec, Err: ErrNoDirectory, Advice: "pass --source file://DIR pointing at your migrations folder"}
		}
		return nil, &Error{Source: spec, Err: err}
	}
	if !st.IsDir() {
		return nil, &Error{Source: spec, Err: errors.New("not a directory"), Advice: "pass --source file://DIR pointing at your migrations folder"}
	}
	return Load(os.DirFS(dir), ".", spec)
}

// Dir returns the directory a source spec names: "file://path" or a bare
// path. Other schemes are an *Error.
func Dir(spec string) (string, error) {
	dir := spec
	if rest, ok := strings.CutPrefix(spec, "file://"); ok {
		dir = rest
	} else if i := strings.Index(spec, "://"); i > 0 {
		return "", &Error{Source: spec, Err: fmt.Errorf("unsupported source scheme %q", spec[:i]), Advice: "use file://DIR or a directory path"}
	}
	if dir == "" {
		return "", &Error{Source: spec, Err: errors.New("empty path"), Advice: "use file://DIR or a directory path"}
	}
	return dir, nil
}

// Load reads the migrations in directory dir of fsys (for example an
// embed.FS; "." for its root). name is how messages refer to the source.
// Files are paired as golang-migrate pairs them: by version and direction,
// whatever their titles (2_add_c.up.sql and 2_drop_c.down.sql are one
// migration, named by its up file). It fails with *Error: for a missing
// directory (ErrNoDirectory), one without migrations (ErrEmpty), a .sql
// file golang-migrate would silently skip (ErrSkippedFile), two files of
// one version and direction (ErrDuplicateVersion) and a down file without
// its up file (ErrMissingUp). With several bad files, the error names the
// one of the lowest version (then the first by name), on every run.
func Load(fsys fs.FS, dir, name string) (*Source, error) {
	if fsys == nil {
		return nil, &Error{Source: name, Err: errors.New("nil fs.FS")}
	}
	sub := fsys
	if dir != "" && dir != "." {
		var err error
		if sub, err = fs.Sub(fsys, dir); err != nil {
			return nil, &Error{Source: name, Err: err}
		}
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Source: name, Err: ErrNoDirectory, Advice: "check the migrations directory name"}
		}
		return nil, &Error{Source: name, Err: err}
	}
	// fs.ReadDir sorts by name; the problems are sorted by version below.
	var problems []problem
	byVersion := map[uint64]*Migration{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		fn := e.Name()
		f, ok, err := ParseFileName(fn)
		if err != nil {
			problems = append(problems, problem{leadingVersion(fn), &Error{Source: name, File: fn, Err: err,
				Advice: "golang-migrate reads versions as 64-bit numbers: renumber it"}})
			continue
		}
		if !ok {
			if strings.HasSuffix(strings.ToLower(fn), ".sql") {
				problems = append(problems, problem{leadingVersion(fn), &Error{Source: name, File: fn, Err: ErrSkippedFile,
					Advice: "name it {version}_{title}.up.sql or {version}_{title}.down.sql"}})
			}
			continue // README, guard.sum and the like
		}
		mig := byVersion[f.Version]
		if mig == nil {
			mig = &Migration{Version: f.Version}
			byVersion[f.Version] = mig
		}
		slot := &mig.Up
		if f.Direction == Down {
			slot = &mig.Down
		}
		if *slot != "" {
			problems = append(problems, problem{f.Version, &Error{Source: name, File: fn, Err: ErrDuplicateVersion,
				Advice: fmt.Sprintf("%s and %s both are version %d %s; renumber one", *slot, fn, f.Version, f.Direction)}})
			continue
		}
		*slot = fn
		if f.Direction == Up {
			mig.Name = f.Title
		}
	}
	src := &Source{FS: sub, Name: name}
	for _, mig := range byVersion {
		if mig.Up == "" {
			problems = append(problems, problem{mig.Version, &Error{Source: name, File: mig.Down, Err: ErrMissingUp,
				Advice: "add the matching .up.sql file or remove this one"}})
			continue
		}
		src.Migrations = append(src.Migrations, *mig)
	}
	if len(problems) > 0 {
		return nil, slices.MinFunc(problems, func(a, b problem) int {
			return cmp.Or(cmp.Compare(a.version, b.version), cmp.Compare(a.err.File, b.err.File))
		}).err
	}
	if len(src.Migrations) == 0 {
		return nil, &Error{Source: name, Err: ErrEmpty, Advice: "add {version}_{title}.up.sql files, or point --source at the right folder"}
	}
	slices.SortFunc(src.Migrations, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return src, nil
}

// problem is a bad file Load found, with the version it sorts by.
type problem struct {
	version uint64
	err     *Error
}

// leadingVersion returns the number a file name starts with, as a version
// to sort a bad file by: the largest version when it has none or it does
// not fit.
func leadingVersion(name string) uint64 {
	end := 0
	for end < len(name) && name[end] >= '0' && name[end] <= '9' {
		end++
	}
	v, err := strconv.ParseUint(name[:end], 10, 64)
	if err != nil {
		return math.MaxUint64
	}
	return v
}

// Head returns the highest version in the source.
func (s *Source) Head() Version { return V(s.Migrations[len(s.Migrations)-1].Version) }

// Find returns the migration with the given version and whether it exists.
// None is never found.
func (s *Source) Find(v Version) (Migration, bool) {
	n, ok := v.Get()
	if !ok {
		return Migration{}, false
	}
	i, ok := slices.BinarySearchFunc(s.Migrations, n, func(m Migration, n uint64) int { return cmp.Compare(m.Version, n) })
	if !ok {
		return Migration{}, false
	}
	return s.Migrations[i], true
}

// Has reports whether v is None or a version of the source: a version a
// database migrated from this source can be at.
func (s *Source) Has(v Version) bool {
	_, ok := s.Find(v)
	return ok || v.IsNone()
}

// Upto returns the migrations with versions above from and up to to, in
// order.
func (s *Source) Upto(from, to Version) []Migration {
	var out []Migration
	for _, m := range s.Migrations {
		if v := V(m.Version); from.Less(v) && !to.Less(v) {
			out = append(out, m)
		}
	}
	return out
}

// Prev returns the version before v in the source: None when v is the first
// or below it.
func (s *Source) Prev(v Version) Version {
	out := None
	for _, m := range s.Migrations {
		if !V(m.Version).Less(v) {
			break
		}
		out = V(m.Version)
	}
	return out
}

// Next returns the version after v in the source, and whether there is one.
func (s *Source) Next(v Version) (Version, bool) {
	for _, m := range s.Migrations {
		if v.Less(V(m.Version)) {
			return V(m.Version), true
		}
	}
	return None, false
}

// Read returns the contents of a file of the source; an error is an *Error.
func (s *Source) Read(file string) ([]byte, error) {
	b, err := fs.ReadFile(s.FS, path.Clean(file))
	if err != nil {
		return nil, &Error{Source: s.Name, File: file, Err: err}
	}
	return b, nil
}
