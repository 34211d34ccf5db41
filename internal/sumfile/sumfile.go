// Package sumfile reads and writes guard.sum, the checksums of a migration
// history: the SHA-256 of every migration file and a chained total over them.
// `guard migrate hash` writes it, `guard migrate create` adds what it builds
// on, and `guard verify` checks that released migration files were not
// edited, removed or added out of order.
//
// The file is text, one entry per line in version order (up before down),
// each in sha256sum's format, under a line holding the chained total:
//
//	# guard.sum: SHA-256 of each migration file and their chained total.
//	# Written by `guard migrate hash`, checked by `guard verify`. Do not edit.
//	total 3b1f…
//	9c56…  000001_create_users.up.sql
//	0d4e…  000001_create_users.down.sql
//
// The same files always give the same bytes. The total is a hash chain:
// c0 = SHA-256("guard.sum v1"), then for each entry in order
// c = SHA-256(c ‖ file name ‖ "\n" ‖ file digest), so it changes when any
// entry, or their order, does. Lines starting with # and blank lines are
// ignored when reading.
package sumfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/source"
)

// DefaultName is the sum file's name in the migrations folder.
const DefaultName = "guard.sum"

const (
	header = "# guard.sum: SHA-256 of each migration file and their chained total.\n" +
		"# Written by `guard migrate hash`, checked by `guard verify`. Do not edit.\n"
	chainSeed = "guard.sum v1"
)

// Entry is one migration file and its digest.
type Entry struct {
	File    string // file name in the migrations folder
	Version uint64 // the version its name starts with
	Down    bool   // a .down. file
	Sum     string // lower-case hex SHA-256 of the file's bytes
	Line    int    // 1-based line in the sum file; 0 when computed
}

// File is the contents of a sum file.
type File struct {
	Total     string  // the chained total as written (hex)
	TotalLine int     // 1-based line of the total; 0 when computed
	Entries   []Entry // in the order they appear (computed: version order, up before down)
}

// Compute hashes every up and down file of src, in version order, and
// returns the sum file that records them. It fails when a file cannot be
// read.
func Compute(src *source.Source) (*File, error) {
	f := &File{}
	for _, m := range src.Migrations {
		for _, name := range []string{m.Up, m.Down} {
			if name == "" {
				continue
			}
			e, err := entryOf(src.FS, name)
			if err != nil {
				return nil, err
			}
			f.Entries = append(f.Entries, e)
		}
	}
	f.Total = f.Chain()
	return f, nil
}

func entryOf(fsys fs.FS, name string) (Entry, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Entry{}, fmt.Errorf("hash migration %s: %w", name, err)
	}
	v, down, ok := Parts(name)
	if !ok {
		return Entry{}, fmt.Errorf("hash migration %s: not a migration file name", name)
	}
	d := sha256.Sum256(b)
	return Entry{File: name, Version: v, Down: down, Sum: hex.EncodeToString(d[:])}, nil
}

// Digest returns the hex SHA-256 of b, as entries record it.
func Digest(b []byte) string {
	d := sha256.Sum256(b)
	return hex.EncodeToString(d[:])
}

// Parts returns the version of a migration file name and whether it is a
// down file; ok is false for a name golang-migrate would not read.
func Parts(name string) (version uint64, down, ok bool) {
	f, ok, err := source.ParseFileName(name)
	if !ok || err != nil {
		return 0, false, false
	}
	return f.Version, f.Direction == source.Down, true
}

// Chain computes the chained total of the entries, in their order.
func (f *File) Chain() string {
	c := sha256.Sum256([]byte(chainSeed))
	for _, e := range f.Entries {
		sum, _ := hex.DecodeString(e.Sum)
		h := sha256.New()
		h.Write(c[:])
		h.Write([]byte(e.File))
		h.Write([]byte{'\n'})
		h.Write(sum)
		copy(c[:], h.Sum(nil))
	}
	return hex.EncodeToString(c[:])
}

// Head returns the highest version recorded, and false when there is none.
func (f *File) Head() (uint64, bool) {
	var top uint64
	for _, e := range f.Entries {
		top = max(top, e.Version)
	}
	return top, len(f.Entries) > 0
}

// Find returns the entry of a file name.
func (f *File) Find(name string) (Entry, bool) {
	for _, e := range f.Entries {
		if e.File == name {
			return e, true
		}
	}
	return Entry{}, false
}

// Bytes returns the file's text: the header, the total, then the entries.
func (f *File) Bytes() []byte {
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "total %s\n", f.Total)
	for _, e := range f.Entries {
		fmt.Fprintf(&b, "%s  %s\n", e.Sum, e.File)
	}
	return b.Bytes()
}

// sort puts entries in version order, up before down.
func (f *File) sort() {
	slices.SortStableFunc(f.Entries, func(a, b Entry) int {
		switch {
		case a.Version != b.Version:
			if a.Version < b.Version {
				return -1
			}
			return 1
		case a.Down != b.Down:
			if b.Down {
				return -1
			}
			return 1
		}
		return strings.Compare(a.File, b.File)
	})
}

// Parse reads a sum file's bytes; name is used in errors only. It fails with
// a *ParseError naming the line that is not a total or an entry, a digest
// that is not 64 hex digits, a file listed twice, or a missing total. It
// does not check the total: compare it with Chain.
func Parse(name string, b []byte) (*File, error) {
	f := &File{}
	seen := map[string]int{}
	for i, line := range strings.Split(string(b), "\n") {
		n := i + 1
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "total "); ok {
			if f.TotalLine != 0 {
				return nil, &ParseError{Path: name, Line: n, Reason: fmt.Sprintf("second total line (the first is line %d)", f.TotalLine)}
			}
			rest = strings.TrimSpace(rest)
			if !isDigest(rest) {
				return nil, &ParseError{Path: name, Line: n, Reason: "the total is not 64 hex digits"}
			}
			f.Total, f.TotalLine = rest, n
			continue
		}
		sum, file, ok := strings.Cut(line, "  ")
		file = strings.TrimSpace(file)
		if !ok || file == "" {
			return nil, &ParseError{Path: name, Line: n, Reason: "want `DIGEST  FILE` or `total DIGEST`"}
		}
		if !isDigest(sum) {
			return nil, &ParseError{Path: name, Line: n, Reason: "the digest is not 64 hex digits"}
		}
		v, down, ok := Parts(file)
		if !ok {
			return nil, &ParseError{Path: name, Line: n, Reason: fmt.Sprintf("%q is not a migration file name", file)}
		}
		if prev, dup := seen[file]; dup {
			return nil, &ParseError{Path: name, Line: n, Reason: fmt.Sprintf("%s is listed twice (first on line %d)", file, prev)}
		}
		seen[file] = n
		f.Entries = append(f.Entries, Entry{File: file, Version: v, Down: down, Sum: sum, Line: n})
	}
	if f.TotalLine == 0 {
		return nil, &ParseError{Path: name, Reason: "no total line"}
	}
	return f, nil
}

func isDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Read reads and parses the sum file name of fsys. A missing file is
// fs.ErrNotExist (test with errors.Is).
func Read(fsys fs.FS, name string) (*File, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	return Parse(name, b)
}

// Write writes f to path atomically (a temporary file renamed over it).
func Write(path string, f *File) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".guard.sum-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(f.Bytes())
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("write %s: %w", path, err), os.Remove(tmp.Name()))
	}
	return nil
}

// Hash computes the sum file of the migrations in dir and writes it to
// dir/name (DefaultName when name is ""), replacing what was there: every
// file as it is now is recorded. It fails as source.Open does on a bad
// migrations folder.
func Hash(dir, name string) (*File, error) {
	src, err := source.Open(dir)
	if err != nil {
		return nil, err
	}
	f, err := Compute(src)
	if err != nil {
		return nil, err
	}
	return f, Write(filepath.Join(dir, nameOr(name)), f)
}

// Record adds to the sum file dir/name (DefaultName when name is "") the
// migration files it does not list yet, as `guard migrate create` does
// before writing a new migration: files whose version is above the newest
// recorded, except those named in except and empty ones (placeholders still
// being written). It never changes an entry already there, so an edited or
// out-of-order file stays visible to `guard verify`. When dir has no sum
// file, Record does nothing and returns nil. It returns the files added.
func Record(dir, name string, except ...string) ([]string, error) {
	path := filepath.Join(dir, nameOr(name))
	f, err := Read(os.DirFS(dir), nameOr(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("record migrations in %s: %w", path, err)
	}
	head, _ := f.Head()
	var added []string
	for _, de := range entries {
		fn := de.Name()
		v, _, ok := Parts(fn)
		if !ok || de.IsDir() || v <= head || slices.Contains(except, fn) || slices.ContainsFunc(except, func(p string) bool { return filepath.Base(p) == fn }) {
			continue
		}
		if _, ok := f.Find(fn); ok {
			continue
		}
		if info, err := de.Info(); err != nil || info.Size() == 0 {
			continue
		}
		e, err := entryOf(os.DirFS(dir), fn)
		if err != nil {
			return nil, err
		}
		f.Entries = append(f.Entries, e)
		added = append(added, fn)
	}
	if len(added) == 0 {
		return nil, nil
	}
	f.sort()
	f.Total = f.Chain()
	return added, Write(path, f)
}

func nameOr(name string) string {
	if name == "" {
		return DefaultName
	}
	return name
}
