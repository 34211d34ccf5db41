// Package sqltext is guard's SQL lexer: it splits migration files into
// statements the way PostgreSQL's simple query protocol sees them, masks
// quoted text and comments, maps error positions to lines, and holds the
// one classifier of statements that must run outside a transaction block,
// which the shadow, the runner and verify all ask.
package sqltext

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Statement is one statement of a SQL text, as written.
type Statement struct {
	// Text is the statement from its first character to its last: without
	// the comments and white space around it, and without its ';'.
	Text string
	// Offset is the byte offset of Text in the SQL it was split from.
	Offset int
}

// Split splits SQL into its statements, in order, the way PostgreSQL's
// simple query protocol sees them: a ';' ends a statement unless it is in a
// comment (-- or nested /* */), a quoted string (including E'…' strings and
// their backslash escapes), a quoted identifier or a dollar-quoted body
// ($$…$$, $tag$…$tag$). Statements that are empty (only white space and
// comments) are left out. An unterminated quote or comment runs to the end
// of sql. It is a scanner, not a parser: it never fails.
//
// A SQL-standard body of CREATE [OR REPLACE] FUNCTION or PROCEDURE
// (BEGIN ATOMIC … END) holds its own ';': it ends at its END, counted as
// psql counts it (BEGIN and, inside it, CASE open; END closes; outside
// parentheses).
func Split(sql string) []Statement {
	var out []Statement
	start, end := -1, 0 // the statement so far, sql[start:end]; start is -1 before its first character
	var body routineBody
	for i := 0; i < len(sql); {
		sp, isSpan := spanAt(sql, i)
		next := i + 1
		if isSpan {
			next = sp.end
		} else if isWordStart(sql, i) {
			for next < len(sql) && IsIdentByte(sql[next]) {
				next++
			}
			body.word(sql[i:next])
		}
		switch {
		case isSpan && sp.comment, !isSpan && strings.IndexByte(blanks, sql[i]) >= 0:
		case !isSpan && sql[i] == ';' && body.depth == 0:
			if start >= 0 {
				out = append(out, Statement{Text: sql[start:end], Offset: start})
			}
			start, body = -1, routineBody{}
		default:
			if !isSpan {
				body.paren(sql[i])
			}
			if start < 0 {
				start = i
			}
			end = next
		}
		i = next
	}
	if start >= 0 {
		out = append(out, Statement{Text: sql[start:end], Offset: start})
	}
	return out
}

// routineBody follows a statement's words the way psql does to keep the
// ';' of a SQL-standard routine body (BEGIN ATOMIC … END) in it.
type routineBody struct {
	words  int     // words of the statement so far
	first  [4]byte // the first letters of its first words, if they are create, or, replace, function or procedure
	parens int
	depth  int // BEGIN … END blocks (and CASE … END inside one) open
}

func (b *routineBody) paren(c byte) {
	switch c {
	case '(':
		b.parens++
	case ')':
		b.parens = max(b.parens-1, 0)
	}
}

func (b *routineBody) word(w string) {
	lw := strings.ToLower(w)
	if b.words < len(b.first) {
		switch lw {
		case "create", "or", "replace", "function", "procedure":
			b.first[b.words] = lw[0]
		}
	}
	b.words++
	f := b.first
	routine := f[0] == 'c' && (f[1] == 'f' || f[1] == 'p' || f[1] == 'o' && f[2] == 'r' && (f[3] == 'f' || f[3] == 'p'))
	if !routine || b.parens > 0 {
		return
	}
	switch lw {
	case "begin":
		b.depth++
	case "case":
		if b.depth > 0 {
			b.depth++
		}
	case "end":
		if b.depth > 0 {
			b.depth--
		}
	}
}

// isWordStart reports whether an unquoted word (an identifier or keyword)
// starts at sql[i].
func isWordStart(sql string, i int) bool {
	c := sql[i]
	return (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) && (i == 0 || !IsIdentByte(sql[i-1]))
}

// blanks is the white space around statements.
const blanks = " \t\r\n\f"

// Mask returns sql with comments, and the contents of quoted strings, quoted
// identifiers and dollar-quoted bodies, replaced by spaces (newlines kept),
// byte for byte, so that offsets in the result are offsets in sql. Quote
// characters and dollar tags stay.
func Mask(sql string) string {
	b := []byte(sql)
	for i := 0; i < len(sql); {
		sp, ok := spanAt(sql, i)
		if !ok {
			i++
			continue
		}
		for k := sp.inner; k < sp.innerEnd; k++ {
			if b[k] != '\n' {
				b[k] = ' '
			}
		}
		i = sp.end
	}
	return string(b)
}

// Statements splits a migration file into its statements (see Split) and
// returns each one cleaned, trimmed, empty ones left out: comments replaced
// by a space, quoted strings and identifiers emptied ('…' to a pair of
// quotes), dollar-quoted bodies reduced to $$. Good enough to find the first
// words of a statement.
func Statements(sql string) []string {
	var out []string
	for _, st := range Split(sql) {
		if s := clean(st.Text); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// clean returns a statement's text the way Statements describes.
func clean(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		sp, ok := spanAt(text, i)
		switch {
		case !ok:
			b.WriteByte(text[i])
			i++
			continue
		case sp.comment:
			b.WriteByte(' ')
		case text[i] == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(text[i])
			b.WriteByte(text[i])
		}
		i = sp.end
	}
	return strings.TrimSpace(b.String())
}

// span is what the scanner steps over whole: a comment, or a quoted string,
// quoted identifier or dollar-quoted body with its delimiters.
type span struct {
	end             int // just past the span
	inner, innerEnd int // what Mask blanks: all of a comment, a quoted span's contents
	comment         bool
}

// spanAt returns the span that starts at sql[i], if one does.
func spanAt(sql string, i int) (span, bool) {
	rest := sql[i:]
	switch c := sql[i]; {
	case strings.HasPrefix(rest, "--"):
		end := strings.IndexByte(rest, '\n')
		if end < 0 {
			end = len(rest)
		}
		return span{end: i + end, inner: i, innerEnd: i + end, comment: true}, true
	case strings.HasPrefix(rest, "/*"):
		j, depth := i, 0
		for j < len(sql) {
			switch {
			case strings.HasPrefix(sql[j:], "/*"):
				depth, j = depth+1, j+2
			case strings.HasPrefix(sql[j:], "*/"):
				depth, j = depth-1, j+2
			default:
				j++
			}
			if depth == 0 {
				break
			}
		}
		return span{end: j, inner: i, innerEnd: j, comment: true}, true
	case c == '\'' || c == '"':
		// E'…' strings take backslash escapes; an E that ends a longer word
		// (typE'…') does not start one.
		escapes := c == '\'' && i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !IsIdentByte(sql[i-2]))
		j := i + 1
		for j < len(sql) {
			if sql[j] == c {
				if j+1 < len(sql) && sql[j+1] == c {
					j += 2
					continue
				}
				break
			}
			if escapes && sql[j] == '\\' {
				j++
			}
			j++
		}
		j = min(j, len(sql))
		return span{end: min(j+1, len(sql)), inner: i + 1, innerEnd: j}, true
	case c == '$' && (i == 0 || !IsIdentByte(sql[i-1])):
		tag, ok := dollarTag(rest)
		if !ok {
			return span{}, false
		}
		body := i + len(tag)
		n := strings.Index(sql[body:], tag)
		if n < 0 {
			return span{end: len(sql), inner: body, innerEnd: len(sql)}, true
		}
		return span{end: body + n + len(tag), inner: body, innerEnd: body + n}, true
	}
	return span{}, false
}

// dollarTag returns the dollar-quote opening tag at the start of s ("$$",
// "$body$"), if there is one. Tag characters are PostgreSQL's: letters,
// underscores, any byte of a multibyte character, and digits after the
// first ($1 is a parameter).
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1], true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || (j > 1 && c >= '0' && c <= '9'):
		default:
			return "", false
		}
	}
	return "", false
}

// IsIdentByte reports whether c can be part of an unquoted identifier, a
// parameter ($1) or a multibyte character: a '$' or E' right after one
// opens no quote.
func IsIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// firstWords returns the first n words (all for n < 0) of a statement,
// lower-cased.
func firstWords(stmt string, n int) []string {
	f := strings.FieldsFunc(strings.ToLower(stmt), func(r rune) bool {
		return unicode.IsSpace(r) || r == '(' || r == ')' || r == ','
	})
	if n >= 0 && len(f) > n {
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

// NoTransaction reports whether PostgreSQL refuses stmt, one statement,
// inside a transaction block, and names it (e.g. "CREATE INDEX
// CONCURRENTLY"). It is the one such classifier: verify flags these
// statements in files of several statements, and a shadow replays a file
// holding one on its own (see Solo).
func NoTransaction(stmt string) (string, bool) {
	clean := Statements(stmt)
	if len(clean) == 0 {
		return "", false
	}
	w := firstWords(clean[0], -1)
	if len(w) == 0 {
		return "", false
	}
	at := func(i int) string {
		if i < len(w) {
			return w[i]
		}
		return ""
	}
	name := func(n int) string { return strings.ToUpper(strings.Join(w[:min(n, len(w))], " ")) }
	switch w[0] {
	case "vacuum":
		return "VACUUM", true
	case "create", "drop":
		switch at(1) {
		case "database", "tablespace", "subscription":
			return name(2), true
		case "index":
			if at(2) == "concurrently" {
				return name(3), true
			}
		case "unique":
			if at(2) == "index" && at(3) == "concurrently" {
				return name(4), true
			}
		}
	case "alter":
		if at(1) == "system" {
			return "ALTER SYSTEM", true
		}
		if at(1) == "table" && slices.Contains(w, "detach") && slices.Contains(w, "concurrently") {
			return "ALTER TABLE … DETACH PARTITION … CONCURRENTLY", true
		}
	case "reindex":
		if slices.Contains(w, "concurrently") {
			return "REINDEX … CONCURRENTLY", true
		}
		if at(1) == "database" || at(1) == "system" || at(1) == "schema" {
			return name(2), true
		}
	case "cluster":
		if len(w) == 1 {
			return "CLUSTER", true
		}
	case "discard":
		if at(1) == "all" {
			return "DISCARD ALL", true
		}
	}
	return "", false
}

// Solo reports whether a migration file must run in a transaction of its
// own: it controls transactions, holds a statement PostgreSQL refuses inside
// a transaction block (NoTransaction), or does something that reaches past
// its own statements (SET LOCAL, SET TRANSACTION, LOCK, COPY, LISTEN, any
// CONCURRENTLY, …), which a shadow must not share with other files.
func Solo(sql string) bool {
	if TransactionControl(sql) {
		return true
	}
	for _, st := range Statements(sql) {
		if _, ok := NoTransaction(st); ok {
			return true
		}
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

// Position converts PostgreSQL's error position (1-based, in characters)
// within text to a 1-based line and column; ok is false when pos is out of
// range. It counts the way golang-migrate does.
func Position(text string, pos int) (line, col int, ok bool) {
	runes := []rune(text)
	if pos < 1 || pos > len(runes) {
		return 0, 0, false
	}
	line, col = 1, 1
	for _, r := range runes[:pos-1] {
		if r == '\n' {
			line, col = line+1, 1
		} else if r != '\r' {
			col++
		}
	}
	return line, col, true
}

// NUL returns the 1-based line and column (as LineCol counts them) of the
// first NUL byte of text; ok is false when there is none. PostgreSQL cannot
// receive a query holding one: its protocol ends strings at NUL, and the
// server answers only "invalid message format" (08P01), with no position.
func NUL(text string) (line, col int, ok bool) {
	i := strings.IndexByte(text, 0)
	if i < 0 {
		return 0, 0, false
	}
	line, col = LineCol(text, i)
	return line, col, true
}

// LineCol returns the 1-based line and column (in characters, carriage
// returns not counted) of byte offset off of text, clamped to text.
func LineCol(text string, off int) (line, col int) {
	off = min(max(off, 0), len(text))
	before := text[:off]
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return strings.Count(before, "\n") + 1, utf8.RuneCountInString(strings.ReplaceAll(before[lineStart:], "\r", "")) + 1
}

// ByteOffset converts PostgreSQL's 1-based character position in text to a
// byte offset (len(text) past the end).
func ByteOffset(text string, pos int) int {
	n := 1
	for i := range text {
		if n == pos {
			return i
		}
		n++
	}
	return len(text)
}
