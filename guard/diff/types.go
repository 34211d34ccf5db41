package diff

import (
	"strconv"
	"strings"
)

// pgType is a format_type string taken apart: "numeric(10,2)[]" is base
// "numeric", mods [10 2], dims 1; "timestamp(3) with time zone" is base
// "timestamp with time zone", mods [3].
type pgType struct {
	base string
	mods []int // type modifiers; nil when the type has none (unbounded)
	dims int   // array dimensions
}

func parseType(s string) pgType {
	var t pgType
	s = strings.TrimSpace(s)
	for strings.HasSuffix(s, "[]") {
		t.dims++
		s = strings.TrimSpace(strings.TrimSuffix(s, "[]"))
	}
	if open := strings.IndexByte(s, '('); open >= 0 && !strings.ContainsRune(s, '"') {
		if n := strings.IndexByte(s[open:], ')'); n > 0 {
			var mods []int
			ok := true
			for _, part := range strings.Split(s[open+1:open+n], ",") {
				v, err := strconv.Atoi(strings.TrimSpace(part))
				if err != nil {
					ok = false
					break
				}
				mods = append(mods, v)
			}
			if ok {
				t.mods = mods
				s = strings.Join(strings.Fields(s[:open]+" "+s[open+n+1:]), " ")
			}
		}
	}
	t.base = s
	return t
}

// unbounded is the length of a type without a limit.
const unbounded = int(^uint(0) >> 1)

// mod returns the i-th modifier, or def when the type has none.
func (t pgType) mod(i, def int) int {
	if i < len(t.mods) {
		return t.mods[i]
	}
	return def
}

// integerDigits is how many decimal digits the values of an integer type
// need; floatExact is the widest integer type a float type holds exactly.
var (
	integerRank   = map[string]int{"smallint": 1, "integer": 2, "bigint": 3}
	integerDigits = map[string]int{"smallint": 5, "integer": 10, "bigint": 19}
	floatExact    = map[string]int{"real": 1, "double precision": 2}
)

// widening reports whether changing a column from type from to type to keeps
// every value it can hold, unchanged: varchar(n)→varchar(m>n), varchar→text,
// char(n)→varchar(m>=n), smallint→integer→bigint, integer→numeric with room
// for its digits, numeric(p,s)→numeric(p2,s2) keeping both the integer digits
// (p-s) and the scale, numeric(p,s)→numeric, real→double precision,
// smallint/integer→double precision, a time precision going up, varbit(n)→
// varbit(m>n). Arrays widen when their element type does. Anything else may
// reject, round or reinterpret a value.
func widening(from, to string) bool {
	a, b := parseType(from), parseType(to)
	if a.dims != b.dims {
		return false
	}
	switch {
	case isChar(a.base) && isChar(b.base):
		return charWidening(a, b)
	case integerRank[a.base] > 0 && integerRank[b.base] > 0:
		return integerRank[b.base] > integerRank[a.base]
	case integerRank[a.base] > 0 && b.base == "numeric":
		return b.mods == nil || b.mod(0, 0)-b.mod(1, 0) >= integerDigits[a.base]
	case integerRank[a.base] > 0 && floatExact[b.base] > 0:
		return integerRank[a.base] <= floatExact[b.base]
	case a.base == "numeric" && b.base == "numeric":
		if b.mods == nil {
			return true
		}
		if a.mods == nil {
			return false
		}
		p, s := a.mod(0, 0), a.mod(1, 0)
		p2, s2 := b.mod(0, 0), b.mod(1, 0)
		return s2 >= s && p2-s2 >= p-s
	case a.base == "real" && b.base == "double precision":
		return true
	case isTime(a.base) && a.base == b.base:
		// No precision means the maximum, 6.
		return b.mod(0, 6) >= a.mod(0, 6)
	case (a.base == "bit varying" || a.base == "bit") && b.base == "bit varying":
		n, m := a.mod(0, unbounded), b.mod(0, unbounded)
		if a.base == "bit" {
			n = a.mod(0, 1)
			return m >= n
		}
		return m > n
	}
	return false
}

func isChar(base string) bool {
	switch base {
	case "character varying", "character", "bpchar", "text":
		return true
	}
	return false
}

func isTime(base string) bool {
	switch base {
	case "timestamp without time zone", "timestamp with time zone",
		"time without time zone", "time with time zone", "interval":
		return true
	}
	return false
}

// charWidening: text and unbounded varchar hold anything; char(n) pads, so
// only a wider char or a varchar at least as long keeps its values.
func charWidening(a, b pgType) bool {
	limit := func(t pgType) int {
		switch t.base {
		case "text", "bpchar":
			return unbounded
		case "character":
			return t.mod(0, 1)
		}
		return t.mod(0, unbounded)
	}
	n, m := limit(a), limit(b)
	switch b.base {
	case "text":
		return true
	case "character varying":
		if a.base == "character varying" {
			return m > n
		}
		return m >= n
	case "character":
		return a.base == "character" && m > n
	}
	return false // to bpchar: pads values of other types
}
