package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Version is a migration version, or None: the version of a database where
// no migration is applied. The zero value is None. It marshals to JSON as
// a number, or null for None.
type Version struct {
	n  uint64
	ok bool
}

// None is the version of a database where no migration is applied.
var None Version

// V returns version n.
func V(n uint64) Version { return Version{n: n, ok: true} }

// FromInt returns the version golang-migrate stores as v: a negative v
// (golang-migrate's -1, "nil version") is None.
func FromInt(v int64) Version {
	if v < 0 {
		return None
	}
	return V(uint64(v))
}

// FromPtr returns the version p points to, or None for nil.
func FromPtr(p *uint64) Version {
	if p == nil {
		return None
	}
	return V(*p)
}

// Get returns the version number and whether there is one.
func (v Version) Get() (uint64, bool) { return v.n, v.ok }

// IsNone reports whether v is None.
func (v Version) IsNone() bool { return !v.ok }

// Int returns the version as golang-migrate stores it: -1 for None.
func (v Version) Int() int64 {
	if !v.ok {
		return -1
	}
	return int64(v.n)
}

// Ptr returns a pointer to the version number, or nil for None.
func (v Version) Ptr() *uint64 {
	if !v.ok {
		return nil
	}
	n := v.n
	return &n
}

// Compare returns -1, 0 or +1 as v is below, equal to or above w; None is
// below every version.
func (v Version) Compare(w Version) int {
	switch {
	case v == w:
		return 0
	case !v.ok:
		return -1
	case !w.ok:
		return 1
	case v.n < w.n:
		return -1
	}
	return 1
}

// Less reports whether v is below w.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

// String returns the number, or "none".
func (v Version) String() string {
	if !v.ok {
		return "none"
	}
	return strconv.FormatUint(v.n, 10)
}

// MarshalJSON implements json.Marshaler: a number, or null for None.
func (v Version) MarshalJSON() ([]byte, error) {
	if !v.ok {
		return []byte("null"), nil
	}
	return strconv.AppendUint(nil, v.n, 10), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Version) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*v = None
		return nil
	}
	var n uint64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("migration version: %w", err)
	}
	*v = V(n)
	return nil
}
