package contract

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schemaguard/guard/guard/hazard"
	"github.com/schemaguard/guard/guard/schema"
)

// FormatVersion is the version of the contract file format this package
// reads and writes.
const FormatVersion = 1

// DefaultPath is the contract file's default name, committed next to the
// migrations folder.
const DefaultPath = "guard.contract.json"

// Mode is a lock mode: what a change to a locked table needs before it may
// be applied.
type Mode string

// The lock modes.
const (
	ModeNone   Mode = "none"   // report only, block nothing
	ModeAuto   Mode = "auto"   // safe changes are promoted automatically; risky and breaking are blocked
	ModeStrict Mode = "strict" // every change to a locked table is blocked until promoted
)

// ParseMode parses "none", "auto" or "strict".
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case ModeNone, ModeAuto, ModeStrict:
		return m, nil
	}
	return "", &ModeError{Mode: s}
}

// Contract is the locked snapshot of the tables consumers depend on. The zero
// value is not useful; use New or Load. A Contract is not safe for concurrent
// mutation.
type Contract struct {
	Version int  `json:"version"`
	Mode    Mode `json:"mode"`
	// Hazards is the hazard policy (see hazard.Policy); nil: warn.
	Hazards *hazard.Policy `json:"hazards,omitempty"`
	// All is true for a contract locked with no table named (guard
	// contract lock): it stands for every table and view in scope, so a
	// table or view that is not locked yet is reported as added
	// (table_added, view_added: safe) and, in auto mode, locked by
	// AutoPromote as a new column would be promoted. Unlocking a named
	// table or view clears it. Absent in files of earlier releases.
	All    bool          `json:"all,omitempty"`
	Tables []LockedTable `json:"tables"`
	// Views are the locked views; absent in files of earlier releases.
	Views []LockedView `json:"views,omitempty"`

	// What Parse found of an earlier release's format; see Upgrade.
	legacyExclusions bool
	loadedAll        bool
	loadedTables     int
}

// LockedView is one locked view with its snapshot: its columns are what
// consumers read.
type LockedView struct {
	View       string        `json:"view"`           // qualified name, e.g. "public.active_users"
	Mode       Mode          `json:"mode,omitempty"` // overrides the contract's mode for this view when set
	LockedAt   time.Time     `json:"locked_at"`
	PromotedAt *time.Time    `json:"promoted_at,omitempty"`
	Snapshot   schema.View   `json:"snapshot"`
	Enums      []schema.Enum `json:"enums,omitempty"` // enum types the view's columns use, as locked
	// Domains are the domains the view's columns use, as locked.
	Domains []schema.Domain `json:"domains,omitempty"`
}

// LockedTable is one locked table with its snapshot.
type LockedTable struct {
	Table      string        `json:"table"`          // qualified name, e.g. "public.users"
	Mode       Mode          `json:"mode,omitempty"` // overrides the contract's mode for this table when set
	LockedAt   time.Time     `json:"locked_at"`
	PromotedAt *time.Time    `json:"promoted_at,omitempty"`
	Snapshot   schema.Table  `json:"snapshot"`
	Enums      []schema.Enum `json:"enums,omitempty"` // enum types the table's columns use, as locked
	// Domains are the domains the table's columns use, as locked (since
	// model 6; an older snapshot's table has none recorded, and the live
	// domains are taken as they are).
	Domains []schema.Domain `json:"domains,omitempty"`
	// Model is the version of the schema model the snapshot was taken
	// with (SnapshotModel); absent (0) in files of earlier releases. What
	// an older snapshot could not record (triggers before 2; deferrability,
	// MATCH and NULLS NOT DISTINCT before 3; row-level security and
	// policies before 4; grants before 5; partitioning, identity
	// sequence options and column privileges before 7), Drift takes from the live
	// table as it is, until the table is promoted or locked again.
	Model int `json:"model,omitempty"`
}

// SnapshotModel is the version of the schema model a snapshot taken now
// has: 2 since snapshots hold triggers, 3 since they hold the
// deferrability and MATCH of foreign keys and the NULLS NOT DISTINCT and
// deferrability of unique constraints, 4 since they hold row-level
// security and policies, 5 since they hold the grants to other roles, 6
// since they hold the domains the columns use, 7 since they hold the
// partitioning of a table, its identity columns' sequence options and its
// column privileges.
const SnapshotModel = 7

// EffectiveViewMode returns the view's own mode, or the contract's when the
// view has none.
func (c *Contract) EffectiveViewMode(lv *LockedView) Mode {
	if lv.Mode != "" {
		return lv.Mode
	}
	return c.Mode
}

// EffectiveMode returns the table's own mode, or the contract's when the
// table has none.
func (c *Contract) EffectiveMode(lt *LockedTable) Mode {
	if lt.Mode != "" {
		return lt.Mode
	}
	return c.Mode
}

// New returns an empty contract in mode none.
func New() *Contract {
	return &Contract{Version: FormatVersion, Mode: ModeNone, Tables: []LockedTable{}}
}

// Load reads the contract file at path. A missing file is an empty contract
// in mode none; a file that is not a valid contract is a *FileError.
func Load(path string) (*Contract, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		if de := dirError(path); de != nil {
			return nil, de
		}
		return nil, &FileError{Path: path, Err: err}
	}
	return Parse(path, b)
}

// ErrIsDirectory is the error (inside a *FileError) of a contract path that
// names a directory.
var ErrIsDirectory = errors.New("is a directory, not a contract file")

// dirError returns the *FileError of path when it is a directory, else nil.
func dirError(path string) error {
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		return nil
	}
	return &FileError{Path: path, Err: ErrIsDirectory,
		Advice: "the contract path names the file, not its folder: give " + filepath.Join(path, DefaultPath) + " (--contract)"}
}

// Parse decodes a contract file's bytes; path is used in errors only.
func Parse(path string, b []byte) (*Contract, error) {
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, &FileError{Path: path, Err: fmt.Errorf("not valid JSON: %w", err), Advice: "fix the file, or restore it from version control"}
	}
	if probe.Version == nil {
		return nil, &FileError{Path: path, Err: errors.New("no \"version\" field: not a guard contract"), Advice: "restore it from version control, or delete it and run guard contract lock"}
	}
	if *probe.Version != FormatVersion {
		return nil, &FileError{Path: path, Err: fmt.Errorf("unknown contract format version %d (this guard reads version %d)", *probe.Version, FormatVersion),
			Advice: "use the guard release that wrote it"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	c := &Contract{}
	if err := dec.Decode(c); err != nil {
		return nil, &FileError{Path: path, Err: fmt.Errorf("not a valid contract: %w", err), Advice: "fix the file, or restore it from version control"}
	}
	if _, err := ParseMode(string(c.Mode)); err != nil {
		return nil, &FileError{Path: path, Err: err, Advice: "mode must be none, auto or strict"}
	}
	// Snapshots written by an earlier guard are read as this one would
	// write them.
	for i := range c.Tables {
		if c.Tables[i].Snapshot.UpgradeLegacy() {
			c.legacyExclusions = true
		}
	}
	c.loadedAll, c.loadedTables = c.All, len(c.Tables)
	seen := map[string]bool{}
	for _, lt := range c.Tables {
		if lt.Mode != "" {
			if _, err := ParseMode(string(lt.Mode)); err != nil {
				return nil, &FileError{Path: path, Err: fmt.Errorf("table %s: %w", lt.Table, err), Advice: "mode must be none, auto or strict"}
			}
		}
		if lt.Table != lt.Snapshot.QualifiedName() {
			return nil, &FileError{Path: path, Err: fmt.Errorf("table %q does not match its snapshot %s", lt.Table, lt.Snapshot.QualifiedName()), Advice: "restore the file from version control"}
		}
		if seen[lt.Table] {
			return nil, &FileError{Path: path, Err: fmt.Errorf("table %s is locked twice", lt.Table), Advice: "remove one of the entries"}
		}
		seen[lt.Table] = true
	}
	for _, lv := range c.Views {
		if lv.Mode != "" {
			if _, err := ParseMode(string(lv.Mode)); err != nil {
				return nil, &FileError{Path: path, Err: fmt.Errorf("view %s: %w", lv.View, err), Advice: "mode must be none, auto or strict"}
			}
		}
		if lv.View != lv.Snapshot.QualifiedName() {
			return nil, &FileError{Path: path, Err: fmt.Errorf("view %q does not match its snapshot %s", lv.View, lv.Snapshot.QualifiedName()), Advice: "restore the file from version control"}
		}
		if seen[lv.View] {
			return nil, &FileError{Path: path, Err: fmt.Errorf("%s is locked twice", lv.View), Advice: "remove one of the entries"}
		}
		seen[lv.View] = true
	}
	if c.Tables == nil {
		c.Tables = []LockedTable{}
	}
	return c, nil
}

// Marshal returns the contract as canonical JSON: tables sorted, snapshots
// canonical, indented, so a promote is a small, readable diff.
func (c *Contract) Marshal() ([]byte, error) {
	c.canonical()
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Save writes the contract to path atomically (a temporary file renamed
// into place).
func (c *Contract) Save(path string) error {
	b, err := c.Marshal()
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	if de := dirError(path); de != nil {
		return de
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".guard.contract.*.tmp")
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return &FileError{Path: path, Err: errors.Join(err, os.Remove(tmp.Name()))}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return &FileError{Path: path, Err: errors.Join(err, os.Remove(tmp.Name()))}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return &FileError{Path: path, Err: errors.Join(err, os.Remove(tmp.Name()))}
	}
	// The file is in this format now.
	c.legacyExclusions, c.loadedAll, c.loadedTables = false, c.All, len(c.Tables)
	return nil
}

func (c *Contract) canonical() {
	c.Version = FormatVersion
	if c.Tables == nil {
		c.Tables = []LockedTable{}
	}
	slices.SortFunc(c.Tables, func(a, b LockedTable) int {
		return cmp.Or(cmp.Compare(a.Snapshot.Schema, b.Snapshot.Schema), cmp.Compare(a.Snapshot.Name, b.Snapshot.Name))
	})
	for i := range c.Tables {
		lt := &c.Tables[i]
		s := schema.Schema{Tables: []schema.Table{lt.Snapshot}, Enums: lt.Enums}
		s.Canonical()
		lt.Snapshot, lt.Enums = s.Tables[0], s.Enums
		if len(lt.Enums) == 0 {
			lt.Enums = nil
		}
		lt.Domains = sortedDomains(lt.Domains)
	}
	slices.SortFunc(c.Views, func(a, b LockedView) int {
		return cmp.Or(cmp.Compare(a.Snapshot.Schema, b.Snapshot.Schema), cmp.Compare(a.Snapshot.Name, b.Snapshot.Name))
	})
	for i := range c.Views {
		lv := &c.Views[i]
		s := schema.Schema{Enums: lv.Enums}
		s.Canonical()
		lv.Enums = s.Enums
		if len(lv.Enums) == 0 {
			lv.Enums = nil
		}
		lv.Domains = sortedDomains(lv.Domains)
	}
	if len(c.Views) == 0 {
		c.Views = nil
	}
}

func sortedDomains(ds []schema.Domain) []schema.Domain {
	if len(ds) == 0 {
		return nil
	}
	s := schema.Schema{Domains: ds}
	s.Canonical()
	return s.Domains
}

// Upgrade returns a one-line notice when the contract was read from a file
// in an earlier release's format and Save will write it in this one's (ask
// before saving: once saved, the file is in this format), or ""
// when nothing of the file's format changes: an exclusion constraint an
// earlier guard recorded among the checks, or a contract of locked tables
// now locking views and new tables too (Lock with no table named).
func (c *Contract) Upgrade() string {
	var what []string
	if c.legacyExclusions {
		what = append(what, "exclusion constraints recorded apart from the checks")
	}
	if c.All && !c.loadedAll && c.loadedTables > 0 {
		what = append(what, "views and new tables locked as well as tables")
	}
	if len(what) == 0 {
		return ""
	}
	return "upgraded the contract file to this guard's format: " + strings.Join(what, "; ")
}

// LockedView returns the locked view with the given qualified name, or nil.
func (c *Contract) LockedView(qualified string) *LockedView {
	for i := range c.Views {
		if c.Views[i].View == qualified {
			return &c.Views[i]
		}
	}
	return nil
}

// Locked returns the locked table with the given qualified name, or nil.
func (c *Contract) Locked(qualified string) *LockedTable {
	for i := range c.Tables {
		if c.Tables[i].Table == qualified {
			return &c.Tables[i]
		}
	}
	return nil
}
