package diff

import (
	"fmt"
	"strings"

	"github.com/schemaguard/guard/guard/schema"
	"github.com/schemaguard/guard/internal/sqltext"
)

// Step returns the changes one migration file makes, as a shadow replays it:
// the differences between the schema before and after it, matched by
// identity (WithIdentity), and the data changes of its statements
// (DataChanges), in the order of Schemas.
func Step(before, after *schema.Schema, sql string) []Change {
	d := &differ{out: Schemas(before, after, WithIdentity())}
	for _, c := range DataChanges(before, sql) {
		d.add(c)
	}
	return d.sorted()
}

// DataChanges returns the changes to rows that the statements of a migration
// file make to the tables of before (the schema the file runs on), as far as
// its text tells: a TRUNCATE (data_truncated), a DELETE without WHERE
// (data_deleted) and an UPDATE without WHERE (data_updated; safe when it only
// sets columns before does not have, a backfill of columns the file adds).
// A table is named as in the statement; an unqualified name is the table of
// that name in "public", or else the one table of that name in before. Tables
// before does not have (created by the file) are left out, and so are
// statements inside function bodies and DO blocks, and statements starting
// with WITH. It never fails.
func DataChanges(before *schema.Schema, sql string) []Change {
	if before == nil || len(before.Tables) == 0 {
		return nil
	}
	d := &differ{}
	for _, st := range sqltext.Split(sql) {
		toks := tokenize(st.Text)
		if len(toks) == 0 {
			continue
		}
		switch toks[0].word() {
		case "truncate":
			d.truncate(before, toks[1:])
		case "delete":
			d.deleteAll(before, toks[1:])
		case "update":
			d.updateAll(before, toks[1:])
		}
	}
	return d.sorted()
}

func (d *differ) truncate(s *schema.Schema, toks []token) {
	if len(toks) > 0 && toks[0].word() == "table" {
		toks = toks[1:]
	}
	for len(toks) > 0 {
		if toks[0].word() == "only" {
			toks = toks[1:]
		}
		t, rest := tableAt(s, toks)
		if t != nil {
			q := t.QualifiedName()
			d.add(Change{Kind: DataTruncated, Impact: Breaking, Table: q, Object: q,
				Message: fmt.Sprintf("table %s is truncated: its rows are gone", quoteName(q)),
				Hint:    "empty a table in a migration only on purpose; to move its rows, copy them first"})
		}
		if len(rest) > 0 && rest[0].text == "*" {
			rest = rest[1:]
		}
		if len(rest) == 0 || rest[0].text != "," {
			return
		}
		toks = rest[1:]
	}
}

func (d *differ) deleteAll(s *schema.Schema, toks []token) {
	if len(toks) == 0 || toks[0].word() != "from" {
		return
	}
	toks = toks[1:]
	if len(toks) > 0 && toks[0].word() == "only" {
		toks = toks[1:]
	}
	t, rest := tableAt(s, toks)
	if t == nil || hasTopLevel(rest, "where") {
		return
	}
	q := t.QualifiedName()
	d.add(Change{Kind: DataDeleted, Impact: Breaking, Table: q, Object: q,
		Message: fmt.Sprintf("every row of %s is deleted (DELETE without WHERE)", quoteName(q)),
		Hint:    "delete only the rows meant, with a WHERE clause; to empty the table on purpose, say so in review"})
}

func (d *differ) updateAll(s *schema.Schema, toks []token) {
	if len(toks) > 0 && toks[0].word() == "only" {
		toks = toks[1:]
	}
	t, rest := tableAt(s, toks)
	if t == nil || hasTopLevel(rest, "where") {
		return
	}
	q := t.QualifiedName()
	targets := setTargets(rest)
	existing := []string{}
	for _, c := range targets {
		if t.Column(c) != nil {
			existing = append(existing, c)
		}
	}
	if len(targets) > 0 && len(existing) == 0 {
		d.add(Change{Kind: DataUpdated, Impact: Safe, Table: q, Object: q,
			Message: fmt.Sprintf("every row of %s is updated (UPDATE without WHERE), setting columns the file adds: a backfill", quoteName(q))})
		return
	}
	what := "values of existing columns are overwritten"
	if len(existing) > 0 {
		what = "overwriting " + columnList(existing)
	}
	d.add(Change{Kind: DataUpdated, Impact: Risky, Table: q, Object: q,
		Message: fmt.Sprintf("every row of %s is updated (UPDATE without WHERE), %s", quoteName(q), what),
		Hint:    "old code reads and writes the same columns meanwhile; update in batches, and only the rows meant"})
}

// token is a word, a quoted identifier (unquoted in text), or a punctuation
// character of a statement, with its parenthesis depth.
type token struct {
	text   string
	quoted bool
	depth  int
}

// word returns a bare word in lower case, or "" for a quoted identifier or
// punctuation.
func (t token) word() string {
	if t.quoted || t.text == "" || !sqltext.IsIdentByte(t.text[0]) {
		return ""
	}
	return strings.ToLower(t.text)
}

// tokenize splits a statement into tokens. Comments, string constants and
// dollar-quoted bodies are skipped (sqltext.Mask blanks their contents; a
// dollar tag is left as punctuation and words); a quoted identifier is read
// from the original text.
func tokenize(stmt string) []token {
	masked := sqltext.Mask(stmt)
	var out []token
	depth := 0
	for i := 0; i < len(masked); {
		c := masked[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '"':
			end := strings.IndexByte(masked[i+1:], '"')
			if end < 0 {
				return out
			}
			raw := stmt[i : i+1+end+1]
			name, _, ok := readIdent(raw, 0)
			if !ok {
				name = ""
			}
			out = append(out, token{text: name, quoted: true, depth: depth})
			i += end + 2
		case c == '\'':
			end := strings.IndexByte(masked[i+1:], '\'')
			if end < 0 {
				return out
			}
			i += end + 2
		case sqltext.IsIdentByte(c):
			j := i
			for j < len(masked) && sqltext.IsIdentByte(masked[j]) {
				j++
			}
			out = append(out, token{text: stmt[i:j], depth: depth})
			i = j
		default:
			if c == ')' {
				depth--
			}
			out = append(out, token{text: string(c), depth: depth})
			if c == '(' {
				depth++
			}
			i++
		}
	}
	return out
}

// tableAt reads a table name ([schema.]name) at the start of toks and
// returns the table of s it names (nil when none), and the tokens after it.
func tableAt(s *schema.Schema, toks []token) (*schema.Table, []token) {
	ident := func(t token) (string, bool) {
		if t.quoted {
			return t.text, t.text != ""
		}
		if w := t.word(); w != "" {
			return w, true // unquoted names fold to lower case
		}
		return "", false
	}
	if len(toks) == 0 {
		return nil, toks
	}
	first, ok := ident(toks[0])
	if !ok {
		return nil, toks
	}
	if len(toks) >= 3 && toks[1].text == "." {
		name, ok := ident(toks[2])
		if !ok {
			return nil, toks[3:]
		}
		return s.Table(first, name), toks[3:]
	}
	if t := s.Table("public", first); t != nil {
		return t, toks[1:]
	}
	var match *schema.Table
	for i := range s.Tables {
		if s.Tables[i].Name == first {
			if match != nil {
				return nil, toks[1:] // ambiguous
			}
			match = &s.Tables[i]
		}
	}
	return match, toks[1:]
}

// hasTopLevel reports whether toks hold the keyword w outside parentheses.
func hasTopLevel(toks []token, w string) bool {
	for _, t := range toks {
		if t.depth == 0 && t.word() == w {
			return true
		}
	}
	return false
}

// setTargets returns the columns an UPDATE's SET clause assigns, from the
// tokens after the table name: each name followed by "=" (or by a subscript
// or field) at the top level, and the names of a parenthesised list before
// "=". It stops at FROM, WHERE or RETURNING.
func setTargets(toks []token) []string {
	i := 0
	for i < len(toks) && toks[i].word() != "set" {
		i++
	}
	var out []string
	expectTarget := true
	for i++; i < len(toks); i++ {
		t := toks[i]
		if t.depth == 0 {
			switch t.word() {
			case "from", "where", "returning":
				return out
			}
		}
		switch {
		case t.depth == 0 && t.text == ",":
			expectTarget = true
		case expectTarget && t.depth == 0 && t.text == "(":
			// (a, b) = …: the names up to the closing parenthesis.
			for i++; i < len(toks) && toks[i].text != ")"; i++ {
				if toks[i].text != "," {
					out = append(out, identText(toks[i]))
				}
			}
			expectTarget = false
		case expectTarget && t.depth == 0:
			out = append(out, identText(t))
			expectTarget = false
		}
	}
	return out
}

func identText(t token) string {
	if t.quoted {
		return t.text
	}
	return strings.ToLower(t.text)
}
