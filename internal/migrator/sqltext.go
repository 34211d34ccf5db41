package migrator

import (
	"strings"
	"unicode"
)

// Statements splits a migration file into its statements, the way
// PostgreSQL's simple query protocol sees them: comments, quoted strings,
// quoted identifiers and dollar-quoted bodies are skipped over (their
// semicolons do not split), and each statement is returned with comments
// removed and string contents blanked, trimmed, empty ones left out. It is
// a scanner, not a parser: good enough to find the first words of each
// statement.
func Statements(sql string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if s := strings.TrimSpace(b.String()); s != "" {
			out = append(out, s)
		}
		b.Reset()
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			b.WriteByte(' ')
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			depth := 0
			for i < len(sql) {
				if sql[i] == '/' && i+1 < len(sql) && sql[i+1] == '*' {
					depth++
					i += 2
					continue
				}
				if sql[i] == '*' && i+1 < len(sql) && sql[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
					continue
				}
				i++
			}
			b.WriteByte(' ')
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				if c == '\'' && sql[j] == '\\' && i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') {
					j++
				}
				j++
			}
			b.WriteByte(c)
			b.WriteByte(c)
			i = j + 1
		case c == '$' && (i == 0 || !isIdentByte(sql[i-1])):
			if tag, ok := dollarTag(sql[i:]); ok {
				end := strings.Index(sql[i+len(tag):], tag)
				if end < 0 {
					i = len(sql)
				} else {
					i += len(tag) + end + len(tag)
				}
				b.WriteString("$$")
				continue
			}
			b.WriteByte(c)
			i++
		case c == ';':
			flush()
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	flush()
	return out
}

// dollarTag returns the dollar-quote opening tag at the start of s ("$$",
// "$body$"), if there is one.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1], true
		case c == '_' || unicode.IsLetter(rune(c)) || (j > 1 && c >= '0' && c <= '9'):
		default:
			return "", false
		}
	}
	return "", false
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// firstWords returns the first n words of a statement, lower-cased.
func firstWords(stmt string, n int) []string {
	f := strings.FieldsFunc(strings.ToLower(stmt), func(r rune) bool {
		return unicode.IsSpace(r) || r == '(' || r == ')' || r == ','
	})
	if len(f) > n {
		f = f[:n]
	}
	return f
}

// TransactionControl reports whether a migration file controls its own
// transactions (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, …). A file that does not
// runs as one implicit transaction: when it fails, none of it stays.
func TransactionControl(sql string) bool {
	for _, st := range Statements(sql) {
		w := firstWords(st, 2)
		if len(w) == 0 {
			continue
		}
		switch w[0] {
		case "begin", "commit", "rollback", "abort", "end", "savepoint", "release":
			return true
		case "start", "prepare":
			if len(w) > 1 && w[1] == "transaction" {
				return true
			}
		}
	}
	return false
}

// Solo reports whether a migration file must run in a transaction of its
// own: it controls transactions, runs something PostgreSQL refuses inside a
// transaction block (CONCURRENTLY, VACUUM, CREATE DATABASE, …), or sets
// something for the rest of its transaction (SET LOCAL, SET TRANSACTION).
func Solo(sql string) bool {
	if TransactionControl(sql) {
		return true
	}
	for _, st := range Statements(sql) {
		w := firstWords(st, 3)
		if len(w) == 0 {
			continue
		}
		switch w[0] {
		case "vacuum", "reindex", "cluster", "checkpoint", "discard", "listen", "unlisten", "copy", "lock":
			return true
		case "set":
			if len(w) > 1 && (w[1] == "local" || w[1] == "transaction" || w[1] == "session" || w[1] == "constraints") {
				return true
			}
		case "create", "drop", "alter":
			if len(w) > 1 && (w[1] == "database" || w[1] == "tablespace" || w[1] == "system" || w[1] == "subscription") {
				return true
			}
		}
		if strings.Contains(strings.ToLower(st), "concurrently") {
			return true
		}
	}
	return false
}

// AddsEnumValue reports whether a migration file adds a value to an enum
// type: a value added in a transaction cannot be used before it commits.
func AddsEnumValue(sql string) bool {
	for _, st := range Statements(sql) {
		w := strings.Fields(strings.ToLower(st))
		for i := 0; i+1 < len(w); i++ {
			if w[i] == "add" && w[i+1] == "value" {
				return true
			}
		}
	}
	return false
}
