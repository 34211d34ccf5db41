package shadow

import (
	"slices"
	"strings"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/sqltext"
)

// What a replayed file changed, so that Schema reads again only that
// (schema.Reinspect). A statement that changes a table's own catalog rows
// (its columns, defaults, constraints, indexes, triggers, policies) locks
// the table, or an index of it, until its transaction ends: the relations
// an observed file locks (see execStatements) are the tables it may have
// changed. What no relation lock covers is said by the statement itself
// (statementScope): a function, a type, a view, a sequence, a GRANT, a
// rename that changes how other objects print. A statement it does not know
// means the whole schema is read again, as does any file not observed
// statement by statement. In a view (one transaction for all its files),
// the session's locks are those of the earlier files too: more tables are
// read again, none is missed.

// statementScope returns what a statement may change besides the tables it
// locks; ok is false when it may change anything (read it all again).
func statementScope(text string) (sc schema.Scope, ok bool) {
	w := strings.Fields(strings.ToLower(sqltext.Mask(text)))
	if len(w) == 0 {
		return sc, true
	}
	if slices.Contains(w, "cascade") {
		return sc, false // drops what depends, whatever it is
	}
	renames := slices.Contains(w, "rename") || hasPair(w, "set", "schema")
	switch w[0] {
	case "insert", "update", "delete", "merge", "truncate", "lock", "comment",
		"refresh", "analyze", "notify", "listen", "unlisten":
		// Data, or nothing the schema holds (comments are not in it).
		return sc, true
	case "set":
		// A setting of the file's transaction ends with it; one of the
		// session (quote_all_identifiers, DateStyle) may change how the
		// catalog prints from now on.
		return sc, len(w) > 1 && (w[1] == "local" || w[1] == "constraints" || w[1] == "transaction")
	case "create":
		return createScope(w[1:])
	case "alter":
		return alterScope(w[1:], renames)
	case "drop":
		return dropScope(w[1:])
	}
	// SELECT, DO, CALL, GRANT (which locks nothing), WITH, and the rest.
	return sc, false
}

func createScope(w []string) (sc schema.Scope, ok bool) {
	w = skip(w, "or", "replace", "temp", "temporary", "unlogged", "global", "local", "unique", "recursive", "constraint", "trusted", "procedural")
	if len(w) == 0 {
		return sc, false
	}
	switch w[0] {
	case "table":
		sc.Sequences = true // serial columns make sequences
	case "index", "trigger", "policy", "role", "user", "group":
	case "function", "procedure", "aggregate":
		sc.Functions = true
	case "view", "materialized":
		sc.Views = true
	case "sequence":
		sc.Sequences = true
	case "domain":
		sc.Domains = true
	case "type":
		rest := strings.Join(w, " ")
		switch {
		case strings.Contains(rest, " as enum"):
			sc.Enums = true
		case strings.Contains(rest, " as (") || strings.Contains(rest, " as("):
			sc.Composites = true
		default:
			return sc, false // a range (with its functions) or a base type
		}
	default:
		return sc, false
	}
	return sc, true
}

func alterScope(w []string, renames bool) (sc schema.Scope, ok bool) {
	if len(w) == 0 {
		return sc, false
	}
	switch w[0] {
	case "table":
		if hasPair(w, "rename", "to") || hasPair(w, "set", "schema") {
			// A table renamed or moved prints so wherever it is used
			// (functions of its row type, the sequences it owns).
			return sc, false
		}
		sc.Sequences = true // a serial column added, an owned one dropped or renamed
		// A column renamed prints so wherever another object reads it: in
		// views, SQL-standard function bodies, other tables' policies.
		sc.Views, sc.Functions, sc.Policies = renames, renames, renames
	case "index", "trigger", "policy":
	case "type":
		if hasPair(w, "add", "value") && !renames {
			sc.Enums = true
			break
		}
		return sc, false // a renamed value or type prints so in defaults and columns
	case "sequence":
		// An identity column's sequence altered as a sequence changes its
		// column, whose table it does not lock.
		return sc, false
	case "view", "materialized":
		sc.Views = true
	case "function", "procedure", "routine", "aggregate":
		if renames {
			return sc, false
		}
		sc.Functions = true
	case "domain":
		if renames {
			return sc, false
		}
		sc.Domains = true
	case "role", "user", "group":
		if renames {
			return sc, false // grants print the role's name
		}
	case "default":
		// ALTER DEFAULT PRIVILEGES: objects made from now on, read as they
		// are made.
	default:
		return sc, false
	}
	return sc, true
}

func dropScope(w []string) (sc schema.Scope, ok bool) {
	w = skip(w, "materialized")
	if len(w) == 0 {
		return sc, false
	}
	switch w[0] {
	case "table":
		sc.Sequences = true // the sequences it owns go with it
	case "index", "trigger", "policy", "role", "user", "group":
	case "view":
		sc.Views = true
	case "function", "procedure", "routine", "aggregate":
		sc.Functions = true
	case "type":
		sc.Enums, sc.Composites = true, true
	case "domain":
		sc.Domains = true
	case "sequence":
		sc.Sequences = true
	default:
		return sc, false
	}
	return sc, true
}

// skip drops the leading words of w that are among words.
func skip(w []string, words ...string) []string {
	for len(w) > 0 && slices.Contains(words, w[0]) {
		w = w[1:]
	}
	return w
}

func hasPair(w []string, a, b string) bool {
	for i := 0; i+1 < len(w); i++ {
		if w[i] == a && w[i+1] == b {
			return true
		}
	}
	return false
}
