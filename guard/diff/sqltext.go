package diff

import (
	"strings"

	"github.com/schemaguard/guard/guard/schema"
)

// readIdent reads the identifier starting at s[i], quoted or bare, and
// returns it (unquoted) with the index just past it. A bare identifier ends
// at a space, dot, comma or parenthesis.
func readIdent(s string, i int) (name string, end int, ok bool) {
	if i >= len(s) {
		return "", i, false
	}
	if s[i] == '"' {
		var b strings.Builder
		for j := i + 1; j < len(s); j++ {
			if s[j] != '"' {
				b.WriteByte(s[j])
				continue
			}
			if j+1 < len(s) && s[j+1] == '"' {
				b.WriteByte('"')
				j++
				continue
			}
			return b.String(), j + 1, true
		}
		return "", i, false
	}
	j := i
	for j < len(s) && !strings.ContainsRune(" .,()", rune(s[j])) {
		j++
	}
	return s[i:j], j, j > i
}

// indexDef is pg_get_indexdef output taken apart.
type indexDef struct {
	unique bool
	rest   string // from the access method on: "USING btree (email)"
}

// parseIndexDef splits "CREATE [UNIQUE] INDEX name ON [ONLY] schema.table
// USING …", dropping the index and table names so that an index renamed, or
// recreated identically under another name, compares equal.
func parseIndexDef(def string) (indexDef, bool) {
	var d indexDef
	s, ok := strings.CutPrefix(def, "CREATE INDEX ")
	if !ok {
		if s, ok = strings.CutPrefix(def, "CREATE UNIQUE INDEX "); !ok {
			return d, false
		}
		d.unique = true
	}
	_, i, ok := readIdent(s, 0)
	if !ok {
		return d, false
	}
	s, ok = strings.CutPrefix(s[i:], " ON ")
	if !ok {
		return d, false
	}
	s = strings.TrimPrefix(s, "ONLY ")
	_, i, ok = readIdent(s, 0)
	if !ok {
		return d, false
	}
	if i < len(s) && s[i] == '.' {
		if _, i, ok = readIdent(s, i+1); !ok {
			return d, false
		}
	}
	d.rest = strings.TrimSpace(s[i:])
	return d, true
}

// plainColumns returns the columns of "USING btree (a, "B")": an index on
// plain columns, no expression, ordering, operator class, INCLUDE or WHERE.
// Such a unique index is the same thing as a UNIQUE constraint.
func plainColumns(rest string) ([]string, bool) {
	s, ok := strings.CutPrefix(rest, "USING btree (")
	if !ok || !strings.HasSuffix(s, ")") {
		return nil, false
	}
	s = strings.TrimSuffix(s, ")")
	var cols []string
	for i := 0; i < len(s); {
		name, end, ok := readIdent(s, i)
		if !ok {
			return nil, false
		}
		cols = append(cols, name)
		switch {
		case end == len(s):
			return cols, true
		case strings.HasPrefix(s[end:], ", "):
			i = end + 2
		default:
			return nil, false
		}
	}
	return nil, false
}

// renameIdents rewrites the column references in a SQL expression (a CHECK,
// an index's column list, a generation expression) from old names to new.
// Literals, function names, qualified names and type names after :: are left
// alone. Keywords come back from PostgreSQL in upper case and unquoted
// identifiers in lower case, which is what makes this reliable enough.
func renameIdents(s string, renames map[string]string) string {
	if len(renames) == 0 {
		return s
	}
	return mapIdents(s, func(name string) (string, bool) {
		to, ok := renames[name]
		return to, ok
	})
}

// columnRefs returns the names among cols that the SQL expression s refers
// to, as renameIdents finds them.
func columnRefs(s string, cols []schema.Column) []string {
	var out []string
	seen := map[string]bool{}
	mapIdents(s, func(name string) (string, bool) {
		if !seen[name] {
			seen[name] = true
			for _, c := range cols {
				if c.Name == name {
					out = append(out, name)
				}
			}
		}
		return "", false
	})
	return out
}

// mapIdents rewrites the column references of s that f maps (see
// renameIdents).
func mapIdents(s string, f func(name string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'':
			j := i + 1
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			j = min(j+1, len(s))
			b.WriteString(s[i:j])
			i = j
		case c == '"' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			name, end, ok := readIdent(s, i)
			if !ok {
				b.WriteString(s[i:])
				return b.String()
			}
			if c != '"' {
				// A bare word stops at a few characters only; cut it at
				// anything that cannot be in an unquoted identifier.
				end = i
				for end < len(s) && isIdentByte(s[end]) {
					end++
				}
				name = s[i:end]
			}
			qualified := i > 0 && s[i-1] == '.'
			cast := i > 1 && s[i-2:i] == "::"
			call := end < len(s) && s[end] == '('
			if qualified || cast || call {
				b.WriteString(s[i:end])
			} else if to, found := f(name); found {
				b.WriteString(schema.QuoteIdent(to))
			} else {
				b.WriteString(s[i:end])
			}
			i = end
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
